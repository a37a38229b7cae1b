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
    fn strategy(self) -> RoundingStrategy {
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

/// Rounds `value` to `scale` places with `mode` and pads it to exactly that scale, so that
/// `87.5` at scale 2 prints as `87.50`.
#[inline]
pub fn round_fixed(value: Decimal, scale: u32, mode: RoundingMode) -> Decimal {
    if value.scale() == scale {
        return value;
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

/// Exact division by 100 by moving the decimal point, falling back to a division when the
/// scale is already at its limit.
pub(crate) fn div_by_100(a: Decimal) -> Arith {
    let mut r = a;
    match r.scale().checked_add(2) {
        Some(scale) if scale <= 28 && r.set_scale(scale).is_ok() => Ok(r),
        _ => div(a, HUNDRED),
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
    fn half_even_differs_from_half_up_at_midpoint() -> Result<(), rust_decimal::Error> {
        let got = round_fixed(Decimal::from_str("2.345")?, 2, RoundingMode::HalfEven);
        assert_eq!(got.to_string(), "2.34");
        Ok(())
    }
}
