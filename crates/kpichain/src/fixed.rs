//! An exact fixed-point fast path for the hot arithmetic of scoring.
//!
//! A [`Fx`] is a decimal held as a signed 64-bit mantissa and a scale (value = m ÷ 10^s), which
//! is what nearly every KPI number is: a `Decimal` whose mantissa fits 63 bits. Each operation
//! gives bit for bit what rust_decimal's checked operation gives — the same value, the same
//! scale, the same treatment of zero operands — or `None` when it cannot be sure of that (the
//! exact result does not fit, a scale would pass 28, a value is a negative zero). On `None`
//! the caller takes the plain `Decimal` path, which stays the reference: the fast path never
//! rounds where rust_decimal would not, and never changes a result.
//!
//! What rust_decimal does, and what is reproduced here:
//! - `a + b`, `a − b`: a zero operand gives the other operand unchanged (negated for `0 − b`),
//!   scale included; otherwise the exact result at the larger scale (zero is positive).
//! - `a × b`: a zero operand gives `0` at scale 0; otherwise the exact product at the sum of
//!   the scales.
//! - rounding to `dp` places ([`Fx::round_fixed`], as [`crate::decimal::round_fixed`]): the
//!   value itself at its own scale, padded with zeros below `dp`; above, the mantissa divided
//!   by 10^(scale − dp) and rounded by the mode on its magnitude (a zero result is positive).

use rust_decimal::{Decimal, RoundingStrategy};
use std::cmp::Ordering;

/// An exact decimal `m ÷ 10^s` with `|m| < 2^63` and `s ≤ 28`; never a negative zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fx {
    m: i64,
    s: u32,
}

/// Scales are at most 28, as in a `Decimal`.
const MAX_SCALE: u32 = 28;

/// 10^0 ..= 10^18, every power of ten that fits 63 bits.
const POW10: [i64; 19] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
];

#[inline(always)]
fn pow10(k: u32) -> Option<i64> {
    POW10.get(k as usize).copied()
}

/// `m × 10^k` exactly, for `k ≤ 18`: two 63-bit factors, so one widening multiplication.
#[inline(always)]
fn widen(m: i64, k: u32) -> Option<i128> {
    Some(i128::from(m).wrapping_mul(i128::from(pow10(k)?)))
}

impl Fx {
    /// Zero at scale 0, what rust_decimal's product of a zero gives.
    pub(crate) const ZERO: Fx = Fx { m: 0, s: 0 };

    /// The value of `d` when its mantissa fits 63 bits and it is not a negative zero.
    #[inline(always)]
    pub(crate) fn of(d: Decimal) -> Option<Fx> {
        let u = d.unpack();
        let magnitude = u64::from(u.lo) | (u64::from(u.mid) << 32);
        if u.hi != 0 || magnitude > i64::MAX as u64 || (magnitude == 0 && u.negative) {
            return None;
        }
        // Below 2^63, so the conversion is exact and the negation cannot overflow.
        let m = magnitude as i64;
        Some(Fx {
            m: if u.negative { m.wrapping_neg() } else { m },
            s: u.scale,
        })
    }

    /// Builds from an exact mantissa, when it fits.
    #[inline(always)]
    fn new(m: i128, s: u32) -> Option<Fx> {
        let m = i64::try_from(m).ok()?;
        (m != i64::MIN && s <= MAX_SCALE).then_some(Fx { m, s })
    }

    /// The same value as a `Decimal` (same mantissa, same scale).
    #[inline(always)]
    pub(crate) fn dec(self) -> Decimal {
        let magnitude = self.m.unsigned_abs();
        // The scale is at most 28 (the invariant), as `from_parts` requires.
        Decimal::from_parts(
            magnitude as u32,
            (magnitude >> 32) as u32,
            0,
            self.m < 0,
            self.s,
        )
    }

    /// `−self`. Unlike `Decimal`'s negation, zero stays a positive zero: use it only where
    /// the sign of a zero cannot reach a result (see [`crate::evaluate::rules`]).
    #[inline(always)]
    pub(crate) fn neg(self) -> Fx {
        Fx {
            m: self.m.wrapping_neg(),
            s: self.s,
        }
    }

    /// Both mantissas at the larger scale when that still fits 64 bits (the common case: one
    /// machine multiplication); `None` sends the caller to [`Fx::aligned`].
    #[inline(always)]
    fn aligned64(self, o: Fx) -> Option<(i64, i64, u32)> {
        match self.s.cmp(&o.s) {
            Ordering::Equal => Some((self.m, o.m, self.s)),
            Ordering::Less => Some((
                self.m.checked_mul(pow10(o.s.wrapping_sub(self.s))?)?,
                o.m,
                o.s,
            )),
            Ordering::Greater => Some((
                self.m,
                o.m.checked_mul(pow10(self.s.wrapping_sub(o.s))?)?,
                self.s,
            )),
        }
    }

    /// Both mantissas at the larger scale, exactly, when the scales differ by at most 18.
    #[inline(always)]
    fn aligned(self, o: Fx) -> Option<(i128, i128, u32)> {
        let (a, b) = (i128::from(self.m), i128::from(o.m));
        match self.s.cmp(&o.s) {
            Ordering::Equal => Some((a, b, self.s)),
            Ordering::Less => Some((widen(self.m, o.s.wrapping_sub(self.s))?, b, o.s)),
            Ordering::Greater => Some((a, widen(o.m, self.s.wrapping_sub(o.s))?, self.s)),
        }
    }

    /// `self + o`, as rust_decimal's `checked_add` gives it.
    #[inline(always)]
    pub(crate) fn add(self, o: Fx) -> Option<Fx> {
        if self.m == 0 {
            return Some(o);
        }
        if o.m == 0 {
            return Some(self);
        }
        if let Some((a, b, s)) = self.aligned64(o) {
            if let Some(m) = a.checked_add(b) {
                return (m != i64::MIN).then_some(Fx { m, s });
            }
        }
        let (a, b, s) = self.aligned(o)?;
        // Two values below 2^126 in magnitude: the sum cannot overflow.
        Fx::new(a.wrapping_add(b), s)
    }

    /// `self − o`, as rust_decimal's `checked_sub` gives it.
    #[inline(always)]
    pub(crate) fn sub(self, o: Fx) -> Option<Fx> {
        if self.m == 0 {
            return Some(o.neg());
        }
        if o.m == 0 {
            return Some(self);
        }
        if let Some((a, b, s)) = self.aligned64(o) {
            if let Some(m) = a.checked_sub(b) {
                return (m != i64::MIN).then_some(Fx { m, s });
            }
        }
        let (a, b, s) = self.aligned(o)?;
        Fx::new(a.wrapping_sub(b), s)
    }

    /// `self × o`, as rust_decimal's `checked_mul` gives it, when the product is exact.
    #[inline(always)]
    pub(crate) fn mul(self, o: Fx) -> Option<Fx> {
        if self.m == 0 || o.m == 0 {
            return Some(Fx::ZERO);
        }
        // Exact when it fits 64 bits; otherwise it does not fit a mantissa anyway.
        let m = self.m.checked_mul(o.m)?;
        let s = self.s.checked_add(o.s)?;
        (m != i64::MIN && s <= MAX_SCALE).then_some(Fx { m, s })
    }

    /// Whether rust_decimal's `checked_mul` gives `self × o` without rounding: a zero operand
    /// (the product is zero), or the mantissas' product fits 96 bits and the scales add up to
    /// at most 28.
    #[inline(always)]
    pub(crate) fn mul_is_exact_in_decimal(self, o: Fx) -> bool {
        if self.m == 0 || o.m == 0 {
            return true;
        }
        // Two magnitudes below 2^63: the product fits 126 bits.
        let m = u128::from(self.m.unsigned_abs()).wrapping_mul(u128::from(o.m.unsigned_abs()));
        m >> 96 == 0 && self.s.saturating_add(o.s) <= MAX_SCALE
    }

    /// The same value with trailing zeros removed while the scale is above `floor` (zero stays
    /// zero at its scale); `None` when a non-zero value's scale is already below `floor`.
    #[inline(always)]
    pub(crate) fn trim_zeros_to(self, floor: u32) -> Option<Fx> {
        if self.m == 0 {
            return Some(self);
        }
        if self.s < floor {
            return None;
        }
        let (mut m, mut s) = (self.m, self.s);
        while s > floor && m.wrapping_rem(10) == 0 {
            m = m.wrapping_div(10);
            s = s.wrapping_sub(1);
        }
        Some(Fx { m, s })
    }

    /// `self ÷ 100` by moving the decimal point, as [`crate::decimal::div_by_100`] does while
    /// the scale allows it.
    #[inline(always)]
    pub(crate) fn div_by_100(self) -> Option<Fx> {
        let s = self.s.checked_add(2)?;
        (s <= MAX_SCALE).then_some(Fx { m: self.m, s })
    }

    /// The numeric order (as `Decimal`'s `Ord`).
    #[inline(always)]
    pub(crate) fn cmp(self, o: Fx) -> Ordering {
        if let Some((a, b, _)) = self.aligned64(o) {
            return a.cmp(&b);
        }
        match self.aligned(o) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.cmp_far(o),
        }
    }

    /// The order of two values whose scales differ by more than 18 (rare): as `Decimal`s.
    #[cold]
    fn cmp_far(self, o: Fx) -> Ordering {
        self.dec().cmp(&o.dec())
    }

    #[inline(always)]
    pub(crate) fn lt(self, o: Fx) -> bool {
        self.cmp(o) == Ordering::Less
    }

    #[inline(always)]
    pub(crate) fn le(self, o: Fx) -> bool {
        self.cmp(o) != Ordering::Greater
    }

    /// Rounded to `scale` places by `mode` and padded to exactly that scale, as
    /// [`crate::decimal::round_fixed`] gives it.
    #[inline(always)]
    pub(crate) fn round_fixed(self, scale: u32, mode: RoundingStrategy) -> Option<Fx> {
        match self.s.cmp(&scale) {
            Ordering::Equal => Some(self),
            Ordering::Less if self.m == 0 => Fx::new(0, scale),
            Ordering::Less => {
                let m = self.m.checked_mul(pow10(scale.wrapping_sub(self.s))?)?;
                Fx::new(i128::from(m), scale)
            }
            Ordering::Greater => self.round_down_to(scale, mode),
        }
    }

    /// Rounding at a stage of the plan: [`Fx::round_fixed`] at its places, or the value
    /// normalized (as [`crate::model::Scale::round`]) when the stage is not rounded.
    #[inline(always)]
    pub(crate) fn round_stage(
        self,
        scale: crate::model::Scale,
        mode: RoundingStrategy,
    ) -> Option<Fx> {
        match scale {
            crate::model::Scale::Places(p) => self.round_fixed(p, mode),
            // `Decimal::normalize`: no trailing zeros, zero at scale 0.
            crate::model::Scale::Unrounded if self.m == 0 => Some(Fx::ZERO),
            crate::model::Scale::Unrounded => self.trim_zeros_to(0),
        }
    }

    /// Rounding to fewer places: rust_decimal's `round_dp_with_strategy`.
    #[inline(always)]
    fn round_down_to(self, scale: u32, mode: RoundingStrategy) -> Option<Fx> {
        let k = self.s.wrapping_sub(scale);
        let n = self.m.unsigned_abs();
        // Dividing by a constant is a multiplication; the common shifts get one each.
        let (q, p) = match k {
            1 => (n.wrapping_div(10), 10),
            2 => (n.wrapping_div(100), 100),
            3 => (n.wrapping_div(1_000), 1_000),
            4 => (n.wrapping_div(10_000), 10_000),
            _ => {
                let p = pow10(k)?.unsigned_abs();
                (n.checked_div(p)?, p)
            }
        };
        let r = n.wrapping_sub(q.wrapping_mul(p));
        let half = p.wrapping_div(2);
        let negative = self.m < 0;
        let up = match mode {
            RoundingStrategy::MidpointAwayFromZero => r >= half,
            RoundingStrategy::MidpointNearestEven => r > half || (r == half && q & 1 == 1),
            RoundingStrategy::MidpointTowardZero => r > half,
            RoundingStrategy::ToZero => false,
            RoundingStrategy::AwayFromZero => r != 0,
            RoundingStrategy::ToNegativeInfinity => negative && r != 0,
            RoundingStrategy::ToPositiveInfinity => !negative && r != 0,
            // The deprecated aliases: the plain path rounds those.
            #[allow(deprecated)]
            _ => return None,
        };
        let q = i128::from(q.wrapping_add(u64::from(up)));
        Fx::new(if negative { q.wrapping_neg() } else { q }, scale)
    }
}

#[cfg(test)]
thread_local! {
    /// Set by the in-crate differential tests to force the reference path on this thread
    /// (see [`reference`]); the cargo feature `reference-arithmetic` forces it everywhere.
    pub(crate) static DISABLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the shortcuts may be taken: the fixed-point fast path ([`Fx`] scoring, weighting,
/// sums, rounding and comparisons) and the factors precomputed at compile time
/// ([`crate::compile::Factors`]). When this is `false`, every number is computed by
/// the plain formula with `Decimal` operations only — the reference the shortcuts are proven
/// against. It is `false` with the cargo feature `reference-arithmetic`, and on a thread
/// inside [`reference`] (in-crate tests); otherwise `true`.
#[inline(always)]
pub(crate) fn enabled() -> bool {
    #[cfg(feature = "reference-arithmetic")]
    {
        false
    }
    #[cfg(all(not(feature = "reference-arithmetic"), test))]
    {
        !DISABLED.with(std::cell::Cell::get)
    }
    #[cfg(all(not(feature = "reference-arithmetic"), not(test)))]
    {
        true
    }
}

/// Runs `f` with every shortcut switched off on this thread (the reference path only), then
/// restores the previous setting.
#[cfg(test)]
pub(crate) fn reference<T>(f: impl FnOnce() -> T) -> T {
    let before = DISABLED.with(|d| d.replace(true));
    let out = f();
    DISABLED.with(|d| d.set(before));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use crate::decimal::{MODES, RoundingMode, round_fixed};
    use proptest::prelude::*;

    /// Decimals of every shape: small and large mantissas (up to 96 bits), both signs, every
    /// scale, zeros of several scales and negative zeros, and round numbers.
    fn decimal() -> impl Strategy<Value = Decimal> {
        let scale = 0u32..=28;
        prop_oneof![
            (-100_000i64..100_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s)),
            (any::<i64>(), scale.clone()).prop_map(|(m, s)| Decimal::new(m, s)),
            (any::<i32>(), scale.clone()).prop_map(|(m, s)| Decimal::new(i64::from(m), s)),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<bool>(),
                scale.clone()
            )
                .prop_map(|(lo, mid, hi, neg, s)| Decimal::from_parts(lo, mid, hi, neg, s)),
            (0u32..=28, any::<bool>()).prop_map(|(s, neg)| {
                let mut zero = Decimal::new(0, s);
                zero.set_sign_negative(neg);
                zero
            }),
            (-9i64..=9, 0u32..=3, 0u32..=20).prop_map(|(m, s, k)| {
                // Powers of ten and their neighbours.
                Decimal::new(m, s) * Decimal::from_i128_with_scale(10i128.pow(k.min(18)), 0)
            }),
            Just(Decimal::new(i64::MAX, 0)),
            Just(Decimal::new(i64::MIN, 0)),
            Just(Decimal::new(i64::MAX, 28)),
            Just(Decimal::MAX),
            Just(Decimal::MIN),
        ]
    }

    /// The same bits: value, scale and sign (of a zero too).
    fn same(a: Decimal, b: Decimal) -> bool {
        a.serialize() == b.serialize()
    }

    fn check(
        name: &str,
        a: Decimal,
        b: Decimal,
        fast: impl Fn(Fx, Fx) -> Option<Fx>,
        reference: impl Fn(Decimal, Decimal) -> Option<Decimal>,
    ) -> Result<bool, TestCaseError> {
        let (Some(x), Some(y)) = (Fx::of(a), Fx::of(b)) else {
            return Ok(false);
        };
        let Some(got) = fast(x, y) else {
            return Ok(false);
        };
        let got = got.dec();
        let want = reference(a, b);
        prop_assert!(
            want.is_some_and(|w| same(w, got)),
            "{name}({a:?}, {b:?}): fast {got:?}, rust_decimal {want:?}"
        );
        Ok(true)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        #[test]
        fn conversion_round_trips(a in decimal()) {
            if let Some(x) = Fx::of(a) {
                prop_assert!(same(x.dec(), a), "{a:?}");
            } else {
                prop_assert!(a.mantissa().unsigned_abs() >= 1 << 63 || (a.is_zero() && a.is_sign_negative()));
            }
        }

        #[test]
        fn arithmetic_matches_rust_decimal(a in decimal(), b in decimal()) {
            check("add", a, b, Fx::add, |a, b| a.checked_add(b))?;
            check("sub", a, b, Fx::sub, |a, b| a.checked_sub(b))?;
            check("mul", a, b, Fx::mul, |a, b| a.checked_mul(b))?;
            // Moving the decimal point, what `decimal::div_by_100` does while the shortcuts are on.
            let moved = |a: Decimal, _| {
                let mut r = a;
                r.set_scale(a.scale() + 2).ok().map(|()| r)
            };
            check("div_by_100", a, b, |x, _| x.div_by_100(), moved)?;
            prop_assert_eq!(crate::decimal::div_by_100(a).ok(), a.checked_div(Decimal::ONE_HUNDRED));
            prop_assert_eq!(crate::decimal::at_least(a, b), a >= b, "at_least({:?}, {:?})", a, b);
            if let (Some(x), Some(y)) = (Fx::of(a), Fx::of(b)) {
                prop_assert_eq!(x.cmp(y), a.cmp(&b), "cmp({:?}, {:?})", a, b);
                prop_assert_eq!(x.lt(y), a < b);
                prop_assert_eq!(x.le(y), a <= b);
            }
        }

        #[test]
        fn exact_products_and_trimmed_zeros_match_rust_decimal(a in decimal(), b in decimal(), floor in 0u32..=28) {
            let (Some(x), Some(y)) = (Fx::of(a), Fx::of(b)) else { return Ok(()) };
            if x.mul_is_exact_in_decimal(y) {
                // rust_decimal's product is the exact one: mantissa product, scales added.
                let p = a.checked_mul(b).unwrap();
                if !p.is_zero() {
                    prop_assert_eq!(p.mantissa(), a.mantissa() * b.mantissa(), "{:?} × {:?}", a, b);
                    prop_assert_eq!(p.scale(), a.scale() + b.scale());
                }
            }
            if let Some(t) = x.trim_zeros_to(floor) {
                prop_assert_eq!(t.dec(), a);
                prop_assert!(t.s >= floor.min(x.s) && (t.s == floor || t.m % 10 != 0 || t.m == 0));
                if floor == 0 && !a.is_zero() {
                    prop_assert!(same(t.dec(), a.normalize()), "{a:?}");
                }
            } else {
                prop_assert!(x.s < floor && x.m != 0);
            }
        }

        #[test]
        fn rounding_matches_rust_decimal_in_every_mode(a in decimal(), scale in 0u32..=20) {
            let Some(x) = Fx::of(a) else { return Ok(()) };
            for mode in MODES {
                if let Some(got) = x.round_fixed(scale, mode.strategy()) {
                    let want = reference(|| round_fixed(a, scale, mode));
                    prop_assert!(same(got.dec(), want), "round_fixed({a:?}, {scale}, {mode:?}): fast {got:?}, rust_decimal {want:?}");
                }
            }
        }
    }

    #[test]
    fn powers_of_ten() {
        for (k, &p) in POW10.iter().enumerate() {
            assert_eq!(i128::from(p), 10i128.pow(k as u32));
        }
    }

    #[test]
    fn the_fast_path_covers_ordinary_values() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let f = |s: &str| Fx::of(d(s)).unwrap();
        assert_eq!(
            f("87.345").round_fixed(2, RoundingMode::HalfUp.strategy()),
            Fx::of(d("87.35"))
        );
        assert_eq!(
            f("-87.345").round_fixed(2, RoundingMode::HalfEven.strategy()),
            Fx::of(d("-87.34"))
        );
        assert_eq!(
            f("87.5").round_fixed(2, RoundingMode::Down.strategy()),
            Fx::of(d("87.50"))
        );
        assert_eq!(
            f("-0.001").round_fixed(2, RoundingMode::Floor.strategy()),
            Fx::of(d("-0.01"))
        );
        assert_eq!(
            f("-0.001").round_fixed(2, RoundingMode::Ceiling.strategy()),
            Fx::of(d("0.00"))
        );
        assert_eq!(f("12.5").mul(f("0.4")), Fx::of(d("5.00")));
        assert_eq!(f("0.00").add(f("5")), Fx::of(d("5")));
        assert_eq!(f("5.00").sub(f("5")), Fx::of(d("0.00")));
        assert_eq!(f("0").mul(f("5.5")), Some(Fx::ZERO));
        assert!(Fx::of(-d("0.00")).is_none());
        assert!(f("1").mul(Fx { m: 1, s: 28 }).is_some());
        assert!(f("0.1").mul(Fx { m: 1, s: 28 }).is_none());
        assert!(Fx { m: i64::MAX, s: 0 }.add(f("1")).is_none());
    }
}
