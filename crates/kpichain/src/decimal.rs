//! Exact decimal arithmetic helpers and the rounding policy.
//!
//! Every number in kpichain is a [`rust_decimal::Decimal`]: 96-bit integer mantissa, scale
//! 0..=28, so about 28–29 significant digits and a magnitude below 7.9 × 10^28. Arithmetic is
//! always checked: an overflow becomes an error value, never a panic. Rounding is always
//! explicit: the plan names the mode (default half-up, `MidpointAwayFromZero`) and the scale
//! of each stage, and results are padded to that scale (`87.5` → `"87.50"`).

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a value is rounded to a stage's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero (四舍五入): 2.345 → 2.35, −2.345 → −2.35. The default.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 2.345 → 2.34, 2.355 → 2.36.
    HalfEven,
    /// Half toward zero: 2.345 → 2.34.
    HalfDown,
    /// Toward zero (truncate): 2.349 → 2.34, −2.349 → −2.34.
    Down,
    /// Away from zero: 2.341 → 2.35.
    Up,
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceiling,
}

impl RoundingMode {
    /// The rust_decimal strategy of this mode.
    #[inline]
    pub(crate) fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }

    /// The mode's name as written in a plan (`half_up`).
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
            RoundingMode::HalfDown => "half_down",
            RoundingMode::Down => "down",
            RoundingMode::Up => "up",
            RoundingMode::Floor => "floor",
            RoundingMode::Ceiling => "ceiling",
        }
    }
}

/// Every `RoundingMode`, for tests.
#[cfg(test)]
pub(crate) const MODES: [RoundingMode; 7] = [
    RoundingMode::HalfUp,
    RoundingMode::HalfEven,
    RoundingMode::HalfDown,
    RoundingMode::Down,
    RoundingMode::Up,
    RoundingMode::Floor,
    RoundingMode::Ceiling,
];

/// Rounds `value` to `scale` places with `mode` and pads it to exactly that scale, so that
/// `87.5` at scale 2 prints as `87.50`. (Values that fit 63 bits are rounded in fixed point,
/// bit for bit as `Decimal` rounds them, unless the crate is built with the
/// `reference-arithmetic` feature.)
#[inline]
pub fn round_fixed(value: Decimal, scale: u32, mode: RoundingMode) -> Decimal {
    if value.scale() == scale {
        return value;
    }
    if crate::fixed::enabled() {
        if let Some(r) = crate::fixed::Fx::of(value)
            .and_then(|x| x.round_fixed(scale, mode.strategy()))
            .map(crate::fixed::Fx::dec)
        {
            return r;
        }
    }
    let mut rounded = if value.scale() < scale {
        value
    } else {
        value.round_dp_with_strategy(scale, mode.strategy())
    };
    if rounded.scale() < scale {
        rounded.rescale(scale);
    }
    rounded
}

/// Parses a decimal number from text exactly (`12.5`, `-3`, `.5`, `1.2e3`; never through
/// `f64`), or says in words why the text is not one. Shared by the CLI and the bindings.
///
/// The reason starts with the quoted text, e.g. `"12,5" is not a decimal number (…)`.
pub fn parse_decimal(raw: &str) -> Result<Decimal, String> {
    let s = raw.trim();
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            unsigned.get(..at).unwrap_or(""),
            unsigned.get(at..).and_then(|e| e.get(1..)),
        ),
        None => (unsigned, None),
    };
    let mut int_digits = 0usize;
    let mut frac_digits = 0usize;
    let mut dot = false;
    let mut well_formed = !mantissa.is_empty();
    for c in mantissa.chars() {
        match c {
            '0'..='9' if dot => frac_digits = frac_digits.saturating_add(1),
            '0'..='9' => int_digits = int_digits.saturating_add(1),
            '.' if !dot => dot = true,
            _ => well_formed = false,
        }
    }
    if int_digits == 0 && frac_digits == 0 {
        well_formed = false;
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            well_formed = false;
        }
    }
    if !well_formed {
        return Err(not_a_number(s));
    }
    let text = s.strip_prefix('+').unwrap_or(s);
    let parsed = if exponent.is_some() {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| {
        format!("\"{s}\" does not fit a decimal exactly (at most 28 significant digits, magnitude below 7.9e28)")
    })
}

fn not_a_number(s: &str) -> String {
    let hint = if s.is_empty() {
        " (the cell is empty)"
    } else if s.contains(',') {
        " (use \".\" as the decimal point and no thousands separators)"
    } else if s.ends_with('%') {
        " (write the number without \"%\")"
    } else if !s.is_ascii() {
        " (only ASCII digits, \".\" and a sign are allowed)"
    } else {
        ""
    };
    format!("\"{s}\" is not a decimal number{hint}")
}

/// Parses a binary float by its shortest round-trip representation (`0.1` → `0.1`), as the
/// bindings do for Python floats and JavaScript numbers. NaN and ±infinity are refused.
pub fn from_f64_shortest(value: f64) -> Result<Decimal, String> {
    if !value.is_finite() {
        return Err(format!("{value} is not a finite number"));
    }
    // `ryu` writes the shortest text that reads back as the same float, into a stack buffer
    // (no allocation: this runs once per cell of a float column).
    let mut buffer = ryu::Buffer::new();
    from_shortest_text(buffer.format_finite(value), &value)
}

/// Parses a 32-bit float by its own shortest round-trip representation (`0.1f32` → `0.1`),
/// for float32 columns. NaN and ±infinity are refused.
pub fn from_f32_shortest(value: f32) -> Result<Decimal, String> {
    if !value.is_finite() {
        return Err(format!("{value} is not a finite number"));
    }
    let mut buffer = ryu::Buffer::new();
    from_shortest_text(buffer.format_finite(value), &value)
}

/// The decimal of `ryu`'s text, which writes `35.0` where `Display` writes `35`: the `.0` is
/// dropped so that an integral float keeps scale 0.
fn from_shortest_text(text: &str, value: &dyn std::fmt::Display) -> Result<Decimal, String> {
    let text = text.strip_suffix(".0").unwrap_or(text);
    let parsed = if text.contains('e') {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| {
        format!(
            "{value} does not fit a decimal (magnitude below 7.9e28, at most 28 decimal places)"
        )
    })
}

/// An arithmetic result that does not fit a decimal (overflow), or a division by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArithmeticError;

/// Result of checked decimal arithmetic.
pub type Arith = Result<Decimal, ArithmeticError>;

#[inline]
pub(crate) fn add(a: Decimal, b: Decimal) -> Arith {
    a.checked_add(b).ok_or(ArithmeticError)
}
#[inline]
pub(crate) fn sub(a: Decimal, b: Decimal) -> Arith {
    a.checked_sub(b).ok_or(ArithmeticError)
}
#[inline]
pub(crate) fn mul(a: Decimal, b: Decimal) -> Arith {
    a.checked_mul(b).ok_or(ArithmeticError)
}
#[inline]
pub(crate) fn div(a: Decimal, b: Decimal) -> Arith {
    a.checked_div(b).ok_or(ArithmeticError)
}

/// `a ÷ 100`. With the shortcuts on ([`crate::fixed::enabled`]) the decimal point is moved
/// (the same value), falling back to the division when the scale is already at its limit.
pub(crate) fn div_by_100(a: Decimal) -> Arith {
    if !crate::fixed::enabled() {
        return div(a, HUNDRED);
    }
    let mut r = a;
    match r.scale().checked_add(2) {
        Some(scale) if scale <= 28 && r.set_scale(scale).is_ok() => Ok(r),
        _ => div(a, HUNDRED),
    }
}

/// `a ≥ b`, compared in fixed point when both fit it and the shortcuts are on.
#[inline]
pub(crate) fn at_least(a: Decimal, b: Decimal) -> bool {
    if !crate::fixed::enabled() {
        return a >= b;
    }
    match (crate::fixed::Fx::of(a), crate::fixed::Fx::of(b)) {
        (Some(x), Some(y)) => y.le(x),
        _ => a >= b,
    }
}

/// Negation; a decimal's range is symmetric, so this cannot overflow.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn neg(a: Decimal) -> Decimal {
    -a
}

pub(crate) const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Clamps `v` into `[lo, hi]` where either bound may be absent.
pub(crate) fn clamp(v: Decimal, lo: Option<Decimal>, hi: Option<Decimal>) -> Decimal {
    let v = match lo {
        Some(lo) if v < lo => lo,
        _ => v,
    };
    match hi {
        Some(hi) if v > hi => hi,
        _ => v,
    }
}

/// `a ÷ b` when it is a terminating decimal that fits, so that multiplying by it is exact.
pub(crate) fn exact_quotient(a: Decimal, b: Decimal) -> Option<Decimal> {
    let q = a.checked_div(b)?;
    (exact_product(q, b)? == a && q.scale() <= 12).then_some(q)
}

/// `a × b` when rust_decimal computes it without rounding (the scale is the sum of the scales).
pub(crate) fn exact_product(a: Decimal, b: Decimal) -> Option<Decimal> {
    let p = a.checked_mul(b)?;
    (p.scale() == a.scale().saturating_add(b.scale())).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn half_up_pads_and_rounds_away_from_zero() -> Result<(), rust_decimal::Error> {
        let cases = [
            ("87.5", "87.50"),
            ("2.345", "2.35"),
            ("-2.345", "-2.35"),
            ("2.344", "2.34"),
        ];
        for (input, want) in cases {
            let got = round_fixed(Decimal::from_str(input)?, 2, RoundingMode::HalfUp);
            assert_eq!(got.to_string(), want);
        }
        Ok(())
    }

    #[test]
    fn accepts_plain_and_scientific_decimals_exactly() {
        for (input, want) in [
            ("12.5", "12.5"),
            ("-3", "-3"),
            ("+7", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0.10", "0.10"),
            ("1.2e3", "1200"),
            ("0.1", "0.1"),
            (" 42 ", "42"),
        ] {
            assert_eq!(parse_decimal(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_decimal_with_a_reason() {
        assert_eq!(
            parse_decimal("12,5").unwrap_err(),
            "\"12,5\" is not a decimal number (use \".\" as the decimal point and no thousands separators)"
        );
        assert!(parse_decimal("95%").unwrap_err().contains("without \"%\""));
        for bad in [
            "", "abc", "1.2.3", "NaN", "inf", "1_000", "--1", "1e", "e5", ".", "１２",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
        assert!(
            parse_decimal("1234567890123456789012345678901234")
                .unwrap_err()
                .contains("does not fit")
        );
    }

    #[test]
    fn shortest_repr_matches_rusts_display_for_many_floats() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut checked = 0;
        for _ in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bits = seed;
            let candidates = [
                f64::from_bits(bits),
                (bits % 10_000_000) as f64 / 100.0,
                (bits % 1_000) as f64 * 0.001,
                -((bits % 100_000) as f64) / 7.0,
            ];
            for v in candidates {
                if !v.is_finite() {
                    continue;
                }
                // Where the float fits a decimal, the text reads back as the same float and
                // is no longer than Rust's own shortest `Display`.
                let Ok(fast) = from_f64_shortest(v) else {
                    assert!(parse_decimal(&v.to_string()).is_err(), "{v:e}");
                    continue;
                };
                let text = fast.to_string();
                assert_eq!(text.parse::<f64>().ok(), Some(v), "{v:e} -> {text}");
                let digits = |t: &str| t.chars().filter(char::is_ascii_digit).count();
                assert!(
                    digits(&text) <= digits(&v.to_string()).max(1),
                    "{v:e} -> {text}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000);
    }

    #[test]
    fn floats_are_taken_by_their_shortest_repr() {
        assert_eq!(from_f64_shortest(0.1).unwrap().to_string(), "0.1");
        assert_eq!(from_f64_shortest(87.5).unwrap().to_string(), "87.5");
        assert_eq!(from_f64_shortest(35.0).unwrap().to_string(), "35");
        // A tie between two shortest texts goes to the even digit, as Python's repr and
        // JavaScript's String(number) do (Rust's Display picks ...562.3 here).
        assert_eq!(
            from_f64_shortest(1_658_206_780_088_562.2)
                .unwrap()
                .to_string(),
            "1658206780088562.2"
        );
        assert_eq!(
            from_f64_shortest(1e21).unwrap().to_string(),
            "1000000000000000000000"
        );
        assert_eq!(from_f32_shortest(0.1f32).unwrap().to_string(), "0.1");
        assert_eq!(from_f32_shortest(2.0f32).unwrap().to_string(), "2");
        assert!(from_f32_shortest(f32::NAN).is_err());
        assert!(from_f64_shortest(f64::NAN).is_err());
        assert!(from_f64_shortest(f64::INFINITY).is_err());
        assert!(from_f64_shortest(1e300).is_err());
    }

    #[test]
    fn half_even_differs_from_half_up_at_midpoint() -> Result<(), rust_decimal::Error> {
        let got = round_fixed(Decimal::from_str("2.345")?, 2, RoundingMode::HalfEven);
        assert_eq!(got.to_string(), "2.34");
        Ok(())
    }
}
