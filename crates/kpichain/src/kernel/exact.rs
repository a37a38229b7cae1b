//! Exact rational arithmetic for the columnar kernel, and the rule that keeps it byte for
//! byte with the `Decimal` engine.
//!
//! A value is a fraction `n ÷ d` of 128-bit integers (`d > 0`), flagged `exact` when it is a
//! terminating decimal: then the engine's `Decimal` arithmetic computes it without error, and
//! rounding it gives the same digits here and there. A value that does not terminate (a slope
//! of 40 ÷ 3, an achievement of 88.2 ÷ 98) is held exactly here, while the engine holds it to
//! 28 significant digits; the two can round differently only when the exact value lies within
//! that error of a rounding boundary or of a band edge. Such a value is refused here ([`None`]:
//! the subject is scored by the engine instead) whenever it lies within 10⁻¹⁸ of one — far
//! wider than the engine's error for any value below 10⁶, and never the case for the values
//! of an ordinary plan, whose denominators are small.

use crate::decimal::RoundingMode;
use std::cmp::Ordering;

/// 10^k for k ≤ 38, every power of ten that fits 127 bits.
pub(super) fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

/// `n` without its factors 2 and 5: what decides whether a fraction over `n` terminates.
pub(super) fn strip25(n: i128) -> i128 {
    let mut n = n.unsigned_abs();
    if n == 0 {
        return 1;
    }
    n >>= n.trailing_zeros();
    while n.wrapping_rem(5) == 0 {
        n = n.wrapping_div(5);
    }
    i128::try_from(n).unwrap_or(i128::MAX)
}

pub(super) fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a.checked_rem(b).unwrap_or(0));
    }
    i128::try_from(a).unwrap_or(i128::MAX)
}

/// Values beyond this many units are left to the engine (far inside a `Decimal`'s 96 bits).
const LIMIT: i128 = 1_000_000_000_000_000_000_000_000; // 10^27

/// An exact fraction `n ÷ d`, `d > 0`; `exact` when it is a terminating decimal.
#[derive(Debug, Clone, Copy)]
pub(super) struct Q {
    pub(super) n: i128,
    pub(super) d: i128,
    pub(super) exact: bool,
}

impl Q {
    /// The decimal `m ÷ 10^s`.
    #[inline]
    pub(super) fn dec(m: i128, s: u32) -> Option<Q> {
        Some(Q {
            n: m,
            d: pow10(s)?,
            exact: true,
        })
    }

    #[inline]
    pub(super) fn add(self, o: Q) -> Option<Q> {
        let exact = self.exact && o.exact;
        if self.d == o.d {
            return Some(Q {
                n: self.n.checked_add(o.n)?,
                d: self.d,
                exact,
            });
        }
        // Keep the larger denominator when it is a multiple of the other (decimals).
        let (n, d) = if o.d.checked_rem(self.d)? == 0 {
            (
                self.n
                    .checked_mul(o.d.checked_div(self.d)?)?
                    .checked_add(o.n)?,
                o.d,
            )
        } else if self.d.checked_rem(o.d)? == 0 {
            (
                o.n.checked_mul(self.d.checked_div(o.d)?)?
                    .checked_add(self.n)?,
                self.d,
            )
        } else {
            (
                self.n
                    .checked_mul(o.d)?
                    .checked_add(o.n.checked_mul(self.d)?)?,
                self.d.checked_mul(o.d)?,
            )
        };
        Some(Q { n, d, exact })
    }

    #[inline]
    pub(super) fn neg(self) -> Option<Q> {
        Some(Q {
            n: self.n.checked_neg()?,
            ..self
        })
    }

    /// `self × m ÷ 10^s`.
    #[inline]
    pub(super) fn mul_dec(self, m: i128, s: u32) -> Option<Q> {
        Some(Q {
            n: self.n.checked_mul(m)?,
            d: self.d.checked_mul(pow10(s)?)?,
            exact: self.exact,
        })
    }

    /// The order of two values, exactly.
    #[inline]
    pub(super) fn cmp(self, o: Q) -> Option<Ordering> {
        if self.d == o.d {
            return Some(self.n.cmp(&o.n));
        }
        Some(self.n.checked_mul(o.d)?.cmp(&o.n.checked_mul(self.d)?))
    }

    /// Whether the engine's view of `self` (28 significant digits when it does not terminate)
    /// could compare with `edge` (a decimal) otherwise than `self` does: `self` does not
    /// terminate and lies within 10⁻¹⁸ of `edge`.
    #[inline]
    pub(super) fn near(self, edge: Q) -> Option<bool> {
        if self.exact {
            return Some(false);
        }
        let diff = self
            .n
            .checked_mul(edge.d)?
            .checked_sub(edge.n.checked_mul(self.d)?)?
            .checked_abs()?;
        // |diff| ÷ (d × edge.d) < 10^-18
        Some(diff.saturating_mul(1_000_000_000_000_000_000) < self.d.checked_mul(edge.d)?)
    }

    /// Whether the value is within the magnitudes the kernel vouches for.
    #[inline]
    pub(super) fn in_range(self) -> bool {
        self.n
            .checked_abs()
            .and_then(|n| n.checked_div(self.d))
            .is_some_and(|v| v < LIMIT)
    }

    /// The value rounded to `p` places by `mode`: the mantissa at scale `p`; `None` when the
    /// engine could round otherwise (see the module's rule) or a number does not fit.
    #[inline]
    pub(super) fn round(self, p: u32, mode: RoundingMode) -> Option<i128> {
        if !self.in_range() {
            return None;
        }
        let t = self.n.checked_mul(pow10(p)?)?;
        let (q, r) = (t.checked_div_euclid(self.d)?, t.checked_rem_euclid(self.d)?);
        // 0 ≤ r < d, and d < 2^126 in every fraction the kernel builds (checked products of
        // 63-bit values), so these cannot overflow.
        let twice = r.checked_mul(2)?;
        let rest = self.d.checked_sub(r)?;
        if !self.exact {
            // Distance to the boundaries of this mode, in units of 10^-p, against 10^-18.
            let near = |dist: i128, of: i128| {
                // dist ÷ of × 10^-p < 10^-18  ⇔  dist × 10^(18 − p) < of
                match 18u32.checked_sub(p) {
                    Some(k) => pow10(k).is_some_and(|f| dist.saturating_mul(f) < of),
                    None => true,
                }
            };
            let risky = match mode {
                RoundingMode::HalfUp | RoundingMode::HalfEven | RoundingMode::HalfDown => near(
                    twice.checked_sub(self.d)?.checked_abs()?,
                    self.d.checked_mul(2)?,
                ),
                _ => near(r.min(rest), self.d),
            };
            if risky {
                return None;
            }
        }
        let up = match mode {
            RoundingMode::Floor => false,
            RoundingMode::Ceiling => r > 0,
            RoundingMode::Down => r > 0 && self.n < 0,
            RoundingMode::Up => r > 0 && self.n >= 0,
            RoundingMode::HalfUp | RoundingMode::HalfDown | RoundingMode::HalfEven => {
                match twice.cmp(&self.d) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal => match mode {
                        RoundingMode::HalfUp => self.n >= 0,
                        RoundingMode::HalfDown => self.n < 0,
                        _ => q.checked_rem(2)? != 0,
                    },
                }
            }
        };
        if up { q.checked_add(1) } else { Some(q) }
    }

    /// The value as the shortest decimal (mantissa, scale), when it terminates within 28
    /// places.
    pub(super) fn shortest(self) -> Option<(i128, u32)> {
        if !self.exact || !self.in_range() {
            return None;
        }
        for s in 0..=28u32 {
            let t = self.n.checked_mul(pow10(s)?)?;
            if t.checked_rem(self.d)? == 0 {
                return Some((t.checked_div(self.d)?, s));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use rust_decimal::Decimal;

    fn dec_of(m: i128, s: u32) -> Decimal {
        Decimal::from_i128_with_scale(m, s)
    }

    /// Rounding a terminating value matches rust_decimal in every mode, on both signs and on
    /// both sides of every midpoint.
    #[test]
    fn rounding_matches_rust_decimal_on_decimals() {
        let modes = [
            RoundingMode::HalfUp,
            RoundingMode::HalfEven,
            RoundingMode::HalfDown,
            RoundingMode::Down,
            RoundingMode::Up,
            RoundingMode::Floor,
            RoundingMode::Ceiling,
        ];
        for m in -2_600i128..=2_600 {
            for mode in modes {
                let q = Q::dec(m, 3).unwrap();
                let got = q.round(1, mode).unwrap();
                let want = dec_of(m, 3).round_dp_with_strategy(1, mode.strategy());
                assert_eq!(dec_of(got, 1), want, "{m}e-3 {mode:?}");
            }
        }
    }

    /// A non-terminating value rounds as its exact value does, and is refused near a
    /// boundary.
    #[test]
    fn non_terminating_values_round_exactly_or_not_at_all() {
        // 200/3 = 66.666… → 66.67 half up.
        let q = Q {
            n: 200,
            d: 3,
            exact: false,
        };
        assert_eq!(q.round(2, RoundingMode::HalfUp), Some(6667));
        assert_eq!(q.round(2, RoundingMode::Floor), Some(6666));
        // 1/3 at 25 places is too close to its boundaries to vouch for.
        let third = Q {
            n: 1,
            d: 3,
            exact: false,
        };
        assert_eq!(third.round(25, RoundingMode::HalfUp), None);
        assert!(third.near(Q::dec(3333, 4).unwrap()) == Some(false));
        let close = Q {
            n: 10i128.pow(20) + 1,
            d: 3 * 10i128.pow(20),
            exact: false,
        };
        assert_eq!(close.near(Q::dec(3333, 4).unwrap()), Some(false));
        assert_eq!(
            close.near(Q {
                n: 1,
                d: 3,
                exact: true
            }),
            Some(true)
        );
    }

    #[test]
    fn shortest_form_and_termination() {
        assert_eq!(strip25(40 * 3), 3);
        assert_eq!(
            Q {
                n: 45,
                d: 2,
                exact: true
            }
            .shortest(),
            Some((225, 1))
        );
        assert_eq!(gcd(12, -18), 6);
    }
}
