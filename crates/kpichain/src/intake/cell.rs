//! One value as the caller gave it, and the one number policy every entry point applies.

use rust_decimal::Decimal;

use crate::decimal::{from_f64_shortest, parse_decimal};
use crate::error::Code;

/// One value of an input row, typed as the caller's language or file typed it. Every entry
/// point — JSON text, CSV files, Python objects, Arrow columns, JavaScript values — turns its
/// values into cells, and the core reads numbers and ids from cells with one policy (see
/// [`Cell::number`]), so the same bad value gets the same code everywhere.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Cell<'a> {
    /// No value: JSON `null`, Python `None`, an Arrow null, an empty CSV cell.
    Null,
    /// Text. For a number it is parsed exactly (`"12.50"`, `"-3"`, `"1e3"`); blank text is
    /// no value, like [`Cell::Null`].
    Text(&'a str),
    /// An integer, exact.
    Int(i128),
    /// A binary float, taken by its shortest round-trip text (`0.1` → `0.1`).
    Float(f64),
    /// An exact decimal as mantissa and scale (Arrow `decimal128`, Python `Decimal`):
    /// `mantissa × 10^-scale`.
    Decimal {
        /// The digits, signed.
        mantissa: i128,
        /// The number of decimal places.
        scale: u32,
    },
    /// True or false.
    Bool(bool),
    /// A value of a type that can hold neither a number nor an id (a list, a mapping, an
    /// object); the text names the type for the message, e.g. `list`.
    Other(&'a str),
}

/// Why a cell is not an acceptable number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberProblem {
    /// `invalid_number`, `number_out_of_range` or `invalid_type`.
    pub code: Code,
    /// What is wrong, to follow the name of the value: `is NaN; …`.
    pub reason: String,
}

impl NumberProblem {
    fn new(code: Code, reason: String) -> NumberProblem {
        NumberProblem { code, reason }
    }

    /// The sentence about `what` (e.g. `the actual of subject 'E1' for indicator 'sales'`).
    pub fn message(&self, what: &str) -> String {
        format!("{what} {}", self.reason)
    }
}

const RANGE: &str = "beyond the decimal range (a decimal holds 28 to 29 significant digits exactly, magnitude below 7.9e28)";

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

/// Reads decimal text exactly: NaN and infinity are `invalid_number`, a number too large or
/// too precise is `number_out_of_range`, other text `invalid_number`.
pub fn number_text(text: &str) -> Result<Decimal, NumberProblem> {
    let s = text.trim();
    match s
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .as_str()
    {
        "nan" | "snan" => return Err(nan()),
        "inf" | "infinity" => return Err(infinite()),
        _ => {}
    }
    parse_decimal(s).map(positive_zero).map_err(|reason| {
        if looks_numeric(s) {
            NumberProblem::new(Code::NumberOutOfRange, format!("is {s}, {RANGE}"))
        } else {
            NumberProblem::new(Code::InvalidNumber, format!("is invalid: {reason}"))
        }
    })
}

fn nan() -> NumberProblem {
    NumberProblem::new(
        Code::InvalidNumber,
        "is NaN; leave the value out (null) when it is missing".to_string(),
    )
}

fn infinite() -> NumberProblem {
    NumberProblem::new(
        Code::InvalidNumber,
        "is infinite, which is not a decimal number".to_string(),
    )
}

/// `mantissa × 10^-scale` as a `Decimal`, dropping trailing zeros (exactly) beyond 28 places
/// or while the mantissa is wider than the 96 bits a `Decimal` holds (a wide Arrow decimal).
pub fn from_parts(mantissa: i128, scale: u32) -> Result<Decimal, NumberProblem> {
    const MAX_MANTISSA: u128 = (1u128 << 96) - 1;
    let (mut m, mut s) = (mantissa, scale);
    while (s > 28 || (s > 0 && m.unsigned_abs() > MAX_MANTISSA)) && m % 10 == 0 {
        m /= 10;
        s = s.saturating_sub(1);
    }
    Decimal::try_from_i128_with_scale(m, s)
        .map(positive_zero)
        .map_err(|_| {
            let text = if scale == 0 {
                mantissa.to_string()
            } else {
                format!("{mantissa}e-{scale}")
            };
            NumberProblem::new(Code::NumberOutOfRange, format!("is {text}, {RANGE}"))
        })
}

impl<'a> Cell<'a> {
    /// The number in the cell, or `None` when the cell holds no value (null or blank text).
    ///
    /// The one number policy of kpichain: text, integers and decimals are exact; a float is
    /// taken by its shortest round-trip text; NaN and ±infinity are `invalid_number`; values a
    /// 96-bit decimal cannot hold (magnitude ≥ 7.9e28, more than 28 decimal places) are
    /// `number_out_of_range`; a bool or another type is `invalid_type`. Negative zero becomes
    /// zero.
    ///
    /// ```
    /// use kpichain::{Cell, Code, Decimal};
    /// assert_eq!(Cell::Float(0.1).number().unwrap(), Some(Decimal::new(1, 1)));
    /// assert_eq!(Cell::Text(" ").number().unwrap(), None);
    /// assert_eq!(Cell::Text("12,5").number().unwrap_err().code, Code::InvalidNumber);
    /// assert_eq!(Cell::Float(f64::NAN).number().unwrap_err().code, Code::InvalidNumber);
    /// assert_eq!(Cell::Text("1e400").number().unwrap_err().code, Code::NumberOutOfRange);
    /// assert_eq!(Cell::Bool(true).number().unwrap_err().code, Code::InvalidType);
    /// ```
    pub fn number(&self) -> Result<Option<Decimal>, NumberProblem> {
        match *self {
            Cell::Null => Ok(None),
            Cell::Text(t) if t.trim().is_empty() => Ok(None),
            Cell::Text(t) => number_text(t).map(Some),
            Cell::Int(i) => from_parts(i, 0).map(Some),
            Cell::Decimal { mantissa, scale } => from_parts(mantissa, scale).map(Some),
            Cell::Float(f) if f.is_nan() => Err(nan()),
            Cell::Float(f) if f.is_infinite() => Err(infinite()),
            Cell::Float(f) => from_f64_shortest(f)
                .map(|d| Some(positive_zero(d)))
                .map_err(|_| {
                    NumberProblem::new(Code::NumberOutOfRange, format!("is {f}, {RANGE}"))
                }),
            Cell::Bool(_) => Err(NumberProblem::new(
                Code::InvalidType,
                "is a bool; give a number".to_string(),
            )),
            Cell::Other(t) => Err(NumberProblem::new(
                Code::InvalidType,
                format!("has type {t}; give a number"),
            )),
        }
    }

    /// The cell as an id or a label (a subject id, a role, a unit): text as given, integers
    /// in decimal digits (a subject `1001` is `"1001"`); `None` for no value. A float is
    /// accepted only when it is a whole number (`1001.0` from a column with gaps).
    pub fn text(&self) -> Result<Option<std::borrow::Cow<'a, str>>, NumberProblem> {
        use std::borrow::Cow;
        match *self {
            Cell::Null => Ok(None),
            Cell::Text(t) if t.trim().is_empty() => Ok(None),
            Cell::Text(t) => Ok(Some(Cow::Borrowed(t))),
            Cell::Int(i) => Ok(Some(Cow::Owned(i.to_string()))),
            Cell::Decimal { .. } | Cell::Float(_) => match self.number()? {
                Some(d) if d.fract().is_zero() => Ok(Some(Cow::Owned(d.trunc().to_string()))),
                Some(d) => Err(NumberProblem::new(
                    Code::InvalidType,
                    format!("is the number {d}; an id must be text or a whole number"),
                )),
                None => Ok(None),
            },
            Cell::Bool(_) => Err(NumberProblem::new(
                Code::InvalidType,
                "is a bool; give text".to_string(),
            )),
            Cell::Other(t) => Err(NumberProblem::new(
                Code::InvalidType,
                format!("has type {t}; give text"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_number_class_has_one_code() {
        let code = |c: Cell<'_>| c.number().map_err(|p| p.code);
        assert_eq!(code(Cell::Text("12,5")), Err(Code::InvalidNumber));
        assert_eq!(code(Cell::Text("")), Ok(None));
        assert_eq!(code(Cell::Text("NaN")), Err(Code::InvalidNumber));
        assert_eq!(code(Cell::Text("-inf")), Err(Code::InvalidNumber));
        assert_eq!(code(Cell::Float(f64::INFINITY)), Err(Code::InvalidNumber));
        assert_eq!(code(Cell::Bool(false)), Err(Code::InvalidType));
        assert_eq!(code(Cell::Text("1e400")), Err(Code::NumberOutOfRange));
        assert_eq!(code(Cell::Float(1e30)), Err(Code::NumberOutOfRange));
        assert_eq!(
            code(Cell::Int(10_i128.pow(30))),
            Err(Code::NumberOutOfRange)
        );
        assert_eq!(
            code(Cell::Text("40.0000000000000000000000000001")),
            Err(Code::NumberOutOfRange)
        );
        assert_eq!(
            code(Cell::Decimal {
                mantissa: 1250,
                scale: 30
            }),
            Err(Code::NumberOutOfRange)
        );
        assert_eq!(
            code(Cell::Decimal {
                mantissa: 12_500,
                scale: 30
            }),
            Ok(Some(Decimal::new(125, 28)))
        );
        assert_eq!(code(Cell::Float(-0.0)), Ok(Some(Decimal::ZERO)));
        // A wide decimal column (scale 10) holding a whole number beyond 96 bits of mantissa.
        assert_eq!(
            code(Cell::Decimal {
                mantissa: 10_i128.pow(29),
                scale: 10
            }),
            Ok(Some(Decimal::from(10_i128.pow(19))))
        );
    }
}
