//! An Arrow column read as the core's [`Cell`]s. What a cell *means* (a number, an id, no
//! value) is the core's one policy ([`Cell::number`], [`Cell::text`]); here only Arrow's
//! types are named.

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float32Type, Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::DataType;
use kpichain::Cell;

/// Casts that fail rather than turn a value they cannot convert into a null.
pub(crate) const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

/// An Arrow column, ready to be read as cells ([`Column::get`]).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Float64Array};
/// use kpichain::Cell;
/// let col: ArrayRef = Arc::new(Float64Array::from(vec![Some(0.1), None]));
/// let col = kpichain_arrow::Column::new(&col);
/// assert_eq!(col.get(0), Cell::Float(0.1));
/// assert_eq!(col.get(1), Cell::Null);
/// ```
pub struct Column(Read);

enum Read {
    Null,
    Text(ArrayRef),
    Int(ArrayRef),
    UInt(ArrayRef),
    F32(ArrayRef),
    F64(ArrayRef),
    Decimal(ArrayRef, i8),
    Bool(ArrayRef),
    /// A type that holds neither numbers nor text (a list, a struct): each value is
    /// [`Cell::Other`] with the type's name.
    Other(ArrayRef, String),
}

/// The value at row `i` of a primitive array, `None` when null (or not of type `T`).
pub(crate) fn primitive<T: ArrowPrimitiveType>(a: &ArrayRef, i: usize) -> Option<T::Native> {
    let p = a.as_primitive_opt::<T>()?;
    (i < p.len() && !p.is_null(i)).then(|| p.value(i))
}

impl Column {
    /// A column of no values.
    pub(crate) const NULL: Column = Column(Read::Null);

    /// Strings, integers, floats, decimals and booleans as such (dictionary-encoded ones
    /// decoded); a column of nulls, whatever its type, as nulls; other types as their text
    /// (dates, timestamps) or, when they have none, as [`Cell::Other`] naming the type.
    pub fn new(col: &ArrayRef) -> Column {
        use DataType as D;
        let dt = col.data_type();
        if col.null_count() == col.len() {
            return Column::NULL;
        }
        let to = |t: &DataType| cast_with_options(col, t, &STRICT).ok();
        let read = match dt {
            D::Dictionary(_, value) => match to(value) {
                Some(c) => return Column::new(&c),
                None => None,
            },
            D::Utf8 | D::LargeUtf8 | D::Utf8View => to(&D::LargeUtf8).map(Read::Text),
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 => {
                to(&D::Int64).map(Read::Int)
            }
            D::UInt64 => Some(Read::UInt(col.clone())),
            D::Float16 | D::Float32 => to(&D::Float32).map(Read::F32),
            D::Float64 => Some(Read::F64(col.clone())),
            D::Decimal128(_, s) => Some(Read::Decimal(col.clone(), *s)),
            D::Decimal32(_, s) | D::Decimal64(_, s) | D::Decimal256(_, s) => {
                to(&D::Decimal128(38, *s)).map(|c| Read::Decimal(c, *s))
            }
            D::Boolean => Some(Read::Bool(col.clone())),
            _ if dt.is_nested() => None,
            D::Binary | D::LargeBinary | D::BinaryView | D::FixedSizeBinary(_) => None,
            _ => to(&D::LargeUtf8).map(Read::Text),
        };
        Column(read.unwrap_or_else(|| Read::Other(col.clone(), dt.to_string())))
    }

    /// The cell at row `i` ([`Cell::Null`] for a null or a row past the end).
    pub fn get(&self, i: usize) -> Cell<'_> {
        let cell = match &self.0 {
            Read::Null => None,
            Read::Text(a) => a
                .as_string_opt::<i64>()
                .filter(|t| i < t.len() && !t.is_null(i))
                .map(|t| Cell::Text(t.value(i))),
            Read::Int(a) => primitive::<Int64Type>(a, i).map(|v| Cell::Int(v.into())),
            Read::UInt(a) => primitive::<UInt64Type>(a, i).map(|v| Cell::Int(v.into())),
            // A 32-bit float by its own shortest text (`0.1f32` is 0.1, as numpy prints it).
            Read::F32(a) => primitive::<Float32Type>(a, i)
                .map(|v| Cell::Float(v.to_string().parse().unwrap_or(f64::NAN))),
            Read::F64(a) => primitive::<Float64Type>(a, i).map(Cell::Float),
            Read::Decimal(a, s) => primitive::<Decimal128Type>(a, i).map(|m| {
                match u32::try_from(*s) {
                    Ok(scale) => Cell::Decimal { mantissa: m, scale },
                    // A negative scale: whole numbers, multiplied out (or too large).
                    Err(_) => 10i128
                        .checked_pow(u32::from(s.unsigned_abs()))
                        .and_then(|f| m.checked_mul(f))
                        .map_or(Cell::Float(f64::MAX), Cell::Int),
                }
            }),
            Read::Bool(a) => a
                .as_boolean_opt()
                .filter(|b| i < b.len() && !b.is_null(i))
                .map(|b| Cell::Bool(b.value(i))),
            Read::Other(a, t) => (i < a.len() && !a.is_null(i)).then_some(Cell::Other(t)),
        };
        cell.unwrap_or(Cell::Null)
    }
}
