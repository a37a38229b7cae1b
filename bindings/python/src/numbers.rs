//! Numbers crossing the boundary: Python objects and Arrow values → exact `Decimal`, and
//! `Decimal` → `decimal.Decimal`.
//!
//! The contract (documented in the package README): `decimal.Decimal`, `int` and `str` are
//! exact; a `float` is taken by its shortest round-trip representation (`0.1` → `0.1`); `bool`,
//! NaN, ±infinity and values a 96-bit decimal cannot hold (magnitude ≥ 7.9e28, or more than 28
//! decimal places) are rejected. Negative zero becomes zero.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};
use rust_decimal::Decimal;

static DECIMAL_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `decimal.Decimal` class, imported once.
pub(crate) fn decimal_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL_CLS.import(py, "decimal", "Decimal")
}

/// `Decimal` → `decimal.Decimal`, keeping the scale (`87.50` stays `Decimal('87.50')`).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_class(py)?.call1((value.to_string(),))
}

/// `Option<Decimal>` → `decimal.Decimal | None`.
pub(crate) fn opt_to_py<'py>(
    py: Python<'py>,
    value: &Option<Decimal>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => to_py(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// Why a value is not an acceptable number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NumProblem {
    /// `True`/`False` (Python's bool is an int subclass: accepting it would be a silent bug).
    Bool,
    /// NaN.
    NaN,
    /// ±infinity.
    Infinite,
    /// A number outside the decimal range, or with more than 28 decimal places.
    OutOfRange(String),
    /// Text that is not a decimal number; the core's reason (quoting the text).
    NotANumber(String),
    /// An object of a type that is not a number.
    WrongType(String),
}

impl NumProblem {
    /// Stable issue code.
    pub(crate) fn code(&self) -> kpichain::Code {
        match self {
            NumProblem::OutOfRange(_) => kpichain::Code::NumberOutOfRange,
            NumProblem::WrongType(_) | NumProblem::Bool => kpichain::Code::InvalidType,
            _ => kpichain::Code::InvalidNumber,
        }
    }

    /// A sentence about `what` (e.g. "the actual of subject 'E1' for indicator 'sales'").
    pub(crate) fn message(&self, what: &str) -> String {
        match self {
            NumProblem::Bool => {
                format!("{what} is a bool; give a number (Decimal, int, str or float)")
            }
            NumProblem::NaN => {
                format!("{what} is NaN; leave the value out (or use None) when it is missing")
            }
            NumProblem::Infinite => format!("{what} is infinite, which is not a decimal number"),
            NumProblem::OutOfRange(v) => format!(
                "{what} is {v}, beyond the decimal range (magnitude below 7.9e28, at most 28 decimal places)"
            ),
            NumProblem::NotANumber(reason) => format!("{what} is invalid: {reason}"),
            NumProblem::WrongType(t) => {
                format!("{what} has type {t}; give a Decimal, int, str or float")
            }
        }
    }
}

fn positive_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// Whether text has the shape of a number (so a parse failure means "out of range").
fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (
            s.get(..i).unwrap_or(""),
            Some(s.get(i.saturating_add(1)..).unwrap_or("")),
        ),
        None => (s, None),
    };
    let digits = mantissa.chars().filter(char::is_ascii_digit).count();
    let only_digits_and_dot = mantissa.chars().all(|c| c.is_ascii_digit() || c == '.');
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    digits > 0 && only_digits_and_dot && mantissa.matches('.').count() <= 1 && exp_ok
}

/// Parses decimal text exactly with the core's parser (`"12.50"`, `"-3"`, `"1e3"`). Text
/// that is a number but does not fit a decimal is `OutOfRange`; anything else is
/// `NotANumber`, with the core's reason (which says what to fix).
pub(crate) fn parse_text(text: &str) -> Result<Decimal, NumProblem> {
    let s = text.trim();
    match s
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .as_str()
    {
        "nan" | "snan" => return Err(NumProblem::NaN),
        "inf" | "infinity" => return Err(NumProblem::Infinite),
        _ => {}
    }
    kpichain::decimal::parse_decimal(s)
        .map(positive_zero)
        .map_err(|reason| {
            if looks_numeric(s) {
                NumProblem::OutOfRange(s.to_string())
            } else {
                NumProblem::NotANumber(reason)
            }
        })
}

/// A float by its shortest round-trip representation (the core's rule: `0.1` → `0.1`, the
/// digits Python's `repr` prints).
pub(crate) fn from_f64(v: f64) -> Result<Decimal, NumProblem> {
    if v.is_nan() {
        return Err(NumProblem::NaN);
    }
    if v.is_infinite() {
        return Err(NumProblem::Infinite);
    }
    kpichain::decimal::from_f64_shortest(v)
        .map(positive_zero)
        .map_err(|_| NumProblem::OutOfRange(format!("{v:e}")))
}

/// A 32-bit float by its own shortest representation (`0.1f32` → `0.1`, as numpy prints it).
pub(crate) fn from_f32(v: f32) -> Result<Decimal, NumProblem> {
    if v.is_nan() {
        return Err(NumProblem::NaN);
    }
    if v.is_infinite() {
        return Err(NumProblem::Infinite);
    }
    kpichain::decimal::from_f32_shortest(v)
        .map(positive_zero)
        .map_err(|_| NumProblem::OutOfRange(format!("{v:e}")))
}

/// An integer mantissa with an Arrow decimal scale (which may be negative or above 28).
pub(crate) fn from_scaled_i128(mantissa: i128, scale: i8) -> Result<Decimal, NumProblem> {
    let out_of_range = || NumProblem::OutOfRange(format!("{mantissa}e{}", -i32::from(scale)));
    if scale < 0 {
        let factor = 10i128
            .checked_pow(u32::from(scale.unsigned_abs()))
            .ok_or_else(out_of_range)?;
        let m = mantissa.checked_mul(factor).ok_or_else(out_of_range)?;
        return Decimal::try_from_i128_with_scale(m, 0)
            .map(positive_zero)
            .map_err(|_| out_of_range());
    }
    let mut m = mantissa;
    let mut s = u32::from(scale.unsigned_abs());
    // Drop trailing zeros (exact) beyond the 28 places a decimal can hold, or while the
    // mantissa is wider than 96 bits (a wide Arrow decimal column); otherwise reject.
    const MAX_MANTISSA: u128 = (1u128 << 96) - 1;
    while s > 28 || (s > 0 && m.unsigned_abs() > MAX_MANTISSA) {
        if m % 10 != 0 {
            return Err(out_of_range());
        }
        m /= 10;
        s = s.saturating_sub(1);
    }
    Decimal::try_from_i128_with_scale(m, s)
        .map(positive_zero)
        .map_err(|_| out_of_range())
}

/// A Python object → `Decimal`, following the contract in the module documentation.
/// `Ok(None)` for `None` (a missing value).
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Result<Option<Decimal>, NumProblem>> {
    if obj.is_none() {
        return Ok(Ok(None));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Err(NumProblem::Bool));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(Ok(Some(Decimal::from(v))));
        }
        if let Ok(v) = obj.extract::<i128>() {
            return Ok(Decimal::try_from_i128_with_scale(v, 0)
                .map(Some)
                .map_err(|_| NumProblem::OutOfRange(v.to_string())));
        }
        return Ok(Err(NumProblem::OutOfRange(
            obj.str()?.to_cow()?.into_owned(),
        )));
    }
    if obj.is_instance_of::<PyFloat>() {
        let v: f64 = obj.extract()?;
        return Ok(from_f64(v).map(Some));
    }
    if obj.is_instance_of::<PyString>() {
        let s = obj.cast::<PyString>()?.to_cow()?;
        return Ok(parse_text(&s).map(Some));
    }
    let py = obj.py();
    if obj.is_instance(decimal_class(py)?)? {
        if !obj.call_method0("is_finite")?.is_truthy()? {
            let nan = obj.call_method0("is_nan")?.is_truthy()?;
            return Ok(Err(if nan {
                NumProblem::NaN
            } else {
                NumProblem::Infinite
            }));
        }
        let text = obj.call_method1("__format__", ("f",))?;
        let text = text.cast::<PyString>()?.to_cow()?;
        return Ok(parse_text(&text).map(Some));
    }
    // numpy scalars and similar: a bool type is rejected, integers go through `__index__`,
    // floats through their own `str` (numpy prints the shortest repr of their own width).
    let ty = obj.get_type();
    let type_name = ty.name()?.to_cow()?.into_owned();
    if type_name == "bool" || type_name == "bool_" {
        return Ok(Err(NumProblem::Bool));
    }
    if obj.hasattr("__index__")? {
        let index = obj.call_method0("__index__")?;
        return from_py(&index);
    }
    let module = ty.module()?.to_cow()?.into_owned();
    if module == "numpy" && obj.hasattr("__float__")? {
        let text = obj.str()?;
        return Ok(parse_text(&text.to_cow()?).map(Some));
    }
    Ok(Err(NumProblem::WrongType(type_name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn floats_use_the_shortest_representation() {
        assert_eq!(from_f64(0.1).map(|d| d.to_string()), Ok("0.1".to_string()));
        assert_eq!(
            from_f64(1e-7).map(|d| d.to_string()),
            Ok("0.0000001".to_string())
        );
        assert_eq!(from_f64(-0.0).map(|d| d.to_string()), Ok("0".to_string()));
        assert_eq!(from_f32(0.1).map(|d| d.to_string()), Ok("0.1".to_string()));
        assert!(matches!(from_f64(1e30), Err(NumProblem::OutOfRange(_))));
        assert!(matches!(from_f64(1e-40), Err(NumProblem::OutOfRange(_))));
        assert!(matches!(from_f64(f64::MAX), Err(NumProblem::OutOfRange(_))));
        assert!(matches!(
            from_f64(f64::MIN_POSITIVE),
            Err(NumProblem::OutOfRange(_))
        ));
        assert_eq!(
            from_f64(-7.9e27).map(|d| d.to_string()),
            Ok("-7900000000000000000000000000".to_string())
        );
        assert_eq!(
            from_f64(1e-28).map(|d| d.to_string()),
            Ok("0.0000000000000000000000000001".to_string())
        );
        assert_eq!(from_f64(f64::NAN), Err(NumProblem::NaN));
    }

    #[test]
    fn text_is_exact() {
        assert_eq!(
            parse_text("87.50").map(|d| d.to_string()),
            Ok("87.50".to_string())
        );
        assert_eq!(
            parse_text("1e3").map(|d| d.to_string()),
            Ok("1000".to_string())
        );
        assert!(matches!(parse_text("abc"), Err(NumProblem::NotANumber(_))));
        assert_eq!(parse_text("NaN"), Err(NumProblem::NaN));
        assert!(matches!(parse_text("1e40"), Err(NumProblem::OutOfRange(_))));
        assert!(matches!(
            parse_text("0.12345678901234567890123456789"),
            Err(NumProblem::OutOfRange(_))
        ));
        assert_eq!(Decimal::from_str("1").ok(), parse_text(" 1 ").ok());
    }

    #[test]
    fn arrow_scales() {
        assert_eq!(
            from_scaled_i128(12345, 2).map(|d| d.to_string()),
            Ok("123.45".to_string())
        );
        assert_eq!(
            from_scaled_i128(12, -2).map(|d| d.to_string()),
            Ok("1200".to_string())
        );
        assert_eq!(
            from_scaled_i128(1000, 30).map(|d| d.to_string()),
            Ok("0.0000000000000000000000000010".to_string())
        );
        assert!(from_scaled_i128(1001, 30).is_err());
        assert_eq!(
            from_scaled_i128(30 * 10i128.pow(30), 30).map(|d| d.to_string()),
            Ok(format!("30.{}", "0".repeat(27)))
        );
    }
}
