//! Building a record set from rows of text cells, as read from CSV or JSON lines.

use crate::error::Code;
use rust_decimal::Decimal;

use super::records::{
    BadRecord, CellProblem, Column, ColumnData, Field, FieldKind, Interner, RecordSet, Schema,
    TextColumn, Values,
};
use crate::intake::Cell;

/// One value of a record as a typed column holds it, for
/// [`RecordSetBuilder::push_cells`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RecordCell<'a> {
    /// A value as an input row holds it: text (parsed by the field's kind), a number, a
    /// boolean, no value.
    Value(Cell<'a>),
    /// An instant, in microseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
    /// A calendar day, in days since 1970-01-01.
    Date(i32),
    /// A value that cannot be read, with the reason (e.g. a timestamp out of range).
    Bad(&'a str),
}
use super::time::{UtcOffset, parse_boolean, parse_date, parse_timestamp_in};
use crate::decimal::parse_decimal;

/// Builds a [`RecordSet`] from rows of text cells, one cell per field in schema order.
///
/// Cells are parsed by their field's kind: decimals exactly with
/// [`parse_decimal`](crate::decimal::parse_decimal), timestamps as RFC 3339 or as local
/// `YYYY-MM-DD HH:MM[:SS]` in the given time zone, dates as `YYYY-MM-DD`, booleans as
/// `true`/`false`/`1`/`0`. An empty (or blank) cell is a missing value, allowed only in
/// optional fields. A row with any bad cell is kept out of the columns and recorded as a
/// [`BadRecord`] with its row index, the caller's source label and every problem; whether bad
/// records stop a derivation is the [`BadRecordPolicy`](super::BadRecordPolicy)'s choice.
///
/// ```
/// use kpichain::measure::{Field, FieldKind, RecordSetBuilder, Schema, UtcOffset};
/// let schema = Schema::new(vec![
///     Field::new("rep", FieldKind::Text),
///     Field::new("submitted_at", FieldKind::Timestamp),
///     Field::new("amount", FieldKind::Decimal),
/// ])?;
/// let mut orders = RecordSetBuilder::new("orders", schema, "+08:00".parse().unwrap());
/// assert!(orders.push_row(&["E1", "2022-01-31 23:30", "1200.50"], Some("orders.csv:2")));
/// assert!(!orders.push_row(&["E2", "2022-01-31", "12,5"], Some("orders.csv:3")));
/// let orders = orders.finish();
/// assert_eq!((orders.len(), orders.bad_records().len()), (1, 1));
/// assert_eq!(orders.bad_records()[0].problems.len(), 2);
/// # Ok::<(), kpichain::InputError>(())
/// ```
#[derive(Debug)]
pub struct RecordSetBuilder {
    name: String,
    schema: Schema,
    time_zone: UtcOffset,
    columns: Vec<ColumnBuilder>,
    rows: usize,
    next_row: usize,
    bad: Vec<BadRecord>,
    scratch: Vec<Parsed>,
    /// Whether a timestamp without an offset was read (in `time_zone`).
    read_local: bool,
}

#[derive(Debug, Clone, Copy)]
enum Parsed {
    Missing,
    Text,
    Decimal(Decimal),
    Timestamp(i64),
    Date(i32),
    Boolean(bool),
}

#[derive(Debug)]
enum ColumnBuilder {
    Text(Interner, Vec<u32>),
    Decimal(Vec<Decimal>, Vec<bool>),
    Timestamp(Vec<i64>, Vec<bool>),
    Date(Vec<i32>, Vec<bool>),
    Boolean(Vec<bool>, Vec<bool>),
}

fn values<T>(data: Vec<T>, valid: Vec<bool>) -> Values<T> {
    let all = valid.iter().all(|v| *v);
    Values {
        data,
        valid: if all { None } else { Some(valid) },
    }
}

impl RecordSetBuilder {
    /// A builder for the record set `name` with `schema`; local timestamps are read in
    /// `time_zone`, which must be the plan's.
    pub fn new(name: impl Into<String>, schema: Schema, time_zone: UtcOffset) -> RecordSetBuilder {
        let columns = schema
            .fields()
            .iter()
            .map(|f| match f.kind {
                FieldKind::Text => ColumnBuilder::Text(Interner::default(), Vec::new()),
                FieldKind::Decimal => ColumnBuilder::Decimal(Vec::new(), Vec::new()),
                FieldKind::Timestamp => ColumnBuilder::Timestamp(Vec::new(), Vec::new()),
                FieldKind::Date => ColumnBuilder::Date(Vec::new(), Vec::new()),
                FieldKind::Boolean => ColumnBuilder::Boolean(Vec::new(), Vec::new()),
            })
            .collect();
        RecordSetBuilder {
            name: name.into(),
            schema,
            time_zone,
            columns,
            rows: 0,
            next_row: 0,
            bad: Vec::new(),
            scratch: Vec::new(),
            read_local: false,
        }
    }

    /// Adds one record from its cells, in schema order. `source` labels where the row came
    /// from (e.g. `orders.csv:14`) and is kept only if the row is bad. Returns whether the
    /// record was accepted.
    pub fn push_row<S: AsRef<str>>(&mut self, cells: &[S], source: Option<&str>) -> bool {
        let texts: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
        if !self.cell_count(texts.len(), source) {
            return false;
        }
        let fields = self.schema.fields().to_vec();
        let parsed = fields
            .iter()
            .zip(&texts)
            .map(|(f, raw)| self.parse(f, raw))
            .collect();
        self.accept(parsed, &texts, source)
    }

    /// Adds one record from typed cells, in schema order, as a typed column (Arrow, a
    /// Python object) holds them: text is parsed by the field's kind as in
    /// [`push_row`](Self::push_row); numbers (by [`Cell::number`], so NaN or ±infinity
    /// make the record bad), timestamps, dates and booleans must match the field's kind (a
    /// whole number or a boolean may fill a text field). A bad cell makes the record bad,
    /// like a bad text cell; nothing is read twice.
    ///
    /// ```
    /// use kpichain::Cell;
    /// use kpichain::measure::*;
    /// let schema = Schema::new(vec![Field::new("rep", FieldKind::Text), Field::new("amount", FieldKind::Decimal)])?;
    /// let mut b = RecordSetBuilder::new("orders", schema, UtcOffset::UTC);
    /// assert!(b.push_cells(&[RecordCell::Value(Cell::Int(1001)), RecordCell::Value(Cell::Float(0.1))], None));
    /// assert!(!b.push_cells(&[RecordCell::Value(Cell::Text("E1")), RecordCell::Value(Cell::Float(f64::NAN))], None));
    /// assert_eq!(b.bad_records()[0].problems[0].code, "bad_value");
    /// # Ok::<(), kpichain::InputError>(())
    /// ```
    pub fn push_cells(&mut self, cells: &[RecordCell<'_>], source: Option<&str>) -> bool {
        use std::borrow::Cow;
        if !self.cell_count(cells.len(), source) {
            return false;
        }
        let fields = self.schema.fields().to_vec();
        let mut texts: Vec<Cow<'_, str>> = Vec::with_capacity(cells.len());
        let mut parsed = Vec::with_capacity(cells.len());
        for (field, cell) in fields.iter().zip(cells) {
            let bad = |reason: String| Err((Code::BadValue, reason));
            let kind = field.kind.as_str();
            let (text, p): (Cow<'_, str>, _) = match (*cell, field.kind) {
                (RecordCell::Value(Cell::Text(t)), _) => (Cow::Borrowed(t), self.parse(field, t)),
                (RecordCell::Value(Cell::Null), _) => ("".into(), self.parse(field, "")),
                (RecordCell::Value(Cell::Bool(b)), FieldKind::Boolean) => {
                    ("".into(), Ok(Parsed::Boolean(b)))
                }
                (RecordCell::Value(Cell::Bool(b)), FieldKind::Text) => {
                    (b.to_string().into(), Ok(Parsed::Text))
                }
                (RecordCell::Value(c @ Cell::Other(_)), _) => (
                    "".into(),
                    bad(c
                        .number()
                        .err()
                        .map_or_else(String::new, |p| p.message("the value"))),
                ),
                (RecordCell::Value(c), FieldKind::Decimal) => match c.number() {
                    Ok(Some(d)) => ("".into(), Ok(Parsed::Decimal(d))),
                    Ok(None) => ("".into(), self.parse(field, "")),
                    Err(p) => ("".into(), bad(p.message("the value"))),
                },
                (RecordCell::Value(c), FieldKind::Text) => match c.text() {
                    Ok(Some(t)) => (Cow::Owned(t.into_owned()), Ok(Parsed::Text)),
                    Ok(None) => ("".into(), self.parse(field, "")),
                    Err(p) => ("".into(), bad(p.message("the value"))),
                },
                (RecordCell::Timestamp(m), FieldKind::Timestamp) => {
                    ("".into(), Ok(Parsed::Timestamp(m)))
                }
                (RecordCell::Date(d), FieldKind::Date) => ("".into(), Ok(Parsed::Date(d))),
                (RecordCell::Bad(reason), _) => ("".into(), bad(reason.to_string())),
                (other, _) => (
                    "".into(),
                    bad(format!("{other:?} cannot be read as {kind}")),
                ),
            };
            texts.push(text);
            parsed.push(p);
        }
        self.accept(parsed, &texts, source)
    }

    /// Whether a record has one cell per field; records a bad record if not.
    fn cell_count(&mut self, cells: usize, source: Option<&str>) -> bool {
        let fields = self.schema.fields().len();
        if cells == fields {
            return true;
        }
        self.bad.push(BadRecord {
            record_set: self.name.clone(),
            row: self.next_row,
            source: source.map(str::to_string),
            problems: vec![CellProblem {
                field: None,
                code: Code::WrongCellCount,
                reason: format!(
                    "the record has {cells} cells but the record set has {fields} fields"
                ),
            }],
        });
        self.next_row = self.next_row.saturating_add(1);
        false
    }

    /// One text cell read by its field's kind.
    fn parse(&mut self, field: &Field, raw: &str) -> Result<Parsed, (Code, String)> {
        if raw.trim().is_empty() {
            return if field.optional {
                Ok(Parsed::Missing)
            } else {
                Err((
                    Code::MissingValue,
                    "the field is required but the cell is empty".to_string(),
                ))
            };
        }
        let bad = |reason: String| (Code::BadValue, reason);
        match field.kind {
            FieldKind::Text => Ok(Parsed::Text),
            FieldKind::Decimal => parse_decimal(raw).map(Parsed::Decimal).map_err(bad),
            FieldKind::Timestamp => match parse_timestamp_in(raw, self.time_zone) {
                Ok((micros, local)) => {
                    self.read_local |= local;
                    Ok(Parsed::Timestamp(micros))
                }
                Err(reason) => Err(bad(reason)),
            },
            FieldKind::Date => parse_date(raw).map(Parsed::Date).map_err(bad),
            FieldKind::Boolean => parse_boolean(raw).map(Parsed::Boolean).map_err(bad),
        }
    }

    /// Adds the record whose cells were read as `parsed` (texts for its text fields), or
    /// records it as bad.
    fn accept<S: AsRef<str>>(
        &mut self,
        parsed: Vec<Result<Parsed, (Code, String)>>,
        texts: &[S],
        source: Option<&str>,
    ) -> bool {
        let row = self.next_row;
        self.next_row = self.next_row.saturating_add(1);
        let mut problems = Vec::new();
        self.scratch.clear();
        for (field, p) in self.schema.fields().iter().zip(parsed) {
            match p {
                Ok(p) => self.scratch.push(p),
                Err((code, reason)) => problems.push(CellProblem {
                    field: Some(field.name.clone()),
                    code,
                    reason,
                }),
            }
        }
        if !problems.is_empty() {
            self.bad.push(BadRecord {
                record_set: self.name.clone(),
                row,
                source: source.map(str::to_string),
                problems,
            });
            return false;
        }
        let cells = texts;
        for ((column, parsed), cell) in self.columns.iter_mut().zip(&self.scratch).zip(cells) {
            match (column, *parsed) {
                (ColumnBuilder::Text(interner, codes), Parsed::Text) => {
                    codes.push(interner.intern(cell.as_ref()))
                }
                (ColumnBuilder::Text(_, codes), _) => codes.push(TextColumn::NULL),
                (ColumnBuilder::Decimal(d, v), Parsed::Decimal(x)) => {
                    d.push(x);
                    v.push(true)
                }
                (ColumnBuilder::Timestamp(d, v), Parsed::Timestamp(x)) => {
                    d.push(x);
                    v.push(true)
                }
                (ColumnBuilder::Date(d, v), Parsed::Date(x)) => {
                    d.push(x);
                    v.push(true)
                }
                (ColumnBuilder::Boolean(d, v), Parsed::Boolean(x)) => {
                    d.push(x);
                    v.push(true)
                }
                (ColumnBuilder::Decimal(d, v), _) => {
                    d.push(Decimal::ZERO);
                    v.push(false)
                }
                (ColumnBuilder::Timestamp(d, v), _) => {
                    d.push(0);
                    v.push(false)
                }
                (ColumnBuilder::Date(d, v), _) => {
                    d.push(0);
                    v.push(false)
                }
                (ColumnBuilder::Boolean(d, v), _) => {
                    d.push(false);
                    v.push(false)
                }
            }
        }
        self.rows = self.rows.saturating_add(1);
        true
    }

    /// Adds one record given as a JSON object, its fields by name: text as it is, numbers by
    /// their exact text, `true`/`false`; `null`, `""` or an absent key is a missing value. A
    /// list or an object in a field makes the record bad. Keys the schema does not name are
    /// ignored. Returns whether the record was accepted.
    ///
    /// ```
    /// use kpichain::measure::*;
    /// let schema = Schema::new(vec![Field::new("rep", FieldKind::Text), Field::new("amount", FieldKind::Decimal)])?;
    /// let mut b = RecordSetBuilder::new("orders", schema, UtcOffset::UTC);
    /// let row = |t: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(t).unwrap();
    /// assert!(b.push_json(&row(r#"{"rep": "E1", "amount": 12.50, "note": "ignored"}"#), None));
    /// assert!(!b.push_json(&row(r#"{"rep": "E1", "amount": [1]}"#), Some("orders.jsonl:2")));
    /// assert_eq!(b.bad_records()[0].problems[0].code, "bad_value");
    /// # Ok::<(), kpichain::InputError>(())
    /// ```
    pub fn push_json(
        &mut self,
        row: &serde_json::Map<String, serde_json::Value>,
        source: Option<&str>,
    ) -> bool {
        use serde_json::Value;
        let mut cells: Vec<String> = Vec::with_capacity(self.schema.fields().len());
        let mut problems = Vec::new();
        for field in self.schema.fields() {
            cells.push(match row.get(&field.name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Array(_) | Value::Object(_)) => {
                    problems.push(CellProblem {
                        field: Some(field.name.clone()),
                        code: Code::BadValue,
                        reason: "a field must be text, a number, true/false or null, not a list or an object".to_string(),
                    });
                    String::new()
                }
            });
        }
        if problems.is_empty() {
            return self.push_row(&cells, source);
        }
        self.bad.push(BadRecord {
            record_set: self.name.clone(),
            row: self.next_row,
            source: source.map(str::to_string),
            problems,
        });
        self.next_row = self.next_row.saturating_add(1);
        false
    }

    /// The record set's fields.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Records accepted so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no record was accepted yet.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Bad records so far.
    pub fn bad_records(&self) -> &[BadRecord] {
        &self.bad
    }

    /// The record set: the accepted records as columns, plus the bad records.
    pub fn finish(self) -> RecordSet {
        let columns = self
            .columns
            .into_iter()
            .map(|c| Column {
                data: match c {
                    ColumnBuilder::Text(interner, codes) => ColumnData::Text(TextColumn {
                        codes,
                        dictionary: interner.dictionary,
                    }),
                    ColumnBuilder::Decimal(d, v) => ColumnData::Decimal(values(d, v)),
                    ColumnBuilder::Timestamp(d, v) => ColumnData::Timestamp(values(d, v)),
                    ColumnBuilder::Date(d, v) => ColumnData::Date(values(d, v)),
                    ColumnBuilder::Boolean(d, v) => ColumnData::Boolean(values(d, v)),
                },
            })
            .collect();
        RecordSet {
            name: self.name,
            schema: self.schema,
            columns,
            rows: self.rows,
            bad: self.bad,
            time_zone: self.read_local.then_some(self.time_zone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::records::Field;
    use super::*;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("rep", FieldKind::Text),
            Field::new("at", FieldKind::Timestamp),
            Field::new("amount", FieldKind::Decimal).optional(),
            Field::new("day", FieldKind::Date).optional(),
            Field::new("vip", FieldKind::Boolean).optional(),
        ])
        .unwrap()
    }

    #[test]
    fn good_rows_become_columns() {
        let mut b = RecordSetBuilder::new("orders", schema(), UtcOffset::UTC);
        assert!(b.push_row(
            &["E1", "2022-01-01 00:00", "1.50", "2022-01-01", "true"],
            None
        ));
        assert!(b.push_row(&["E2", "2022-01-02T00:00:00Z", "", "", ""], None));
        assert!(b.push_row(&["E1", "2022-01-03 00:00", "-2", "2022-01-03", "0"], None));
        let set = b.finish();
        assert_eq!(set.len(), 3);
        assert!(set.bad_records().is_empty());
        let rep = set.column("rep").unwrap().as_text().unwrap();
        assert_eq!(rep.codes(), &[0, 1, 0]);
        assert_eq!(set.column("amount").unwrap().null_count(), 1);
        assert_eq!(set.column("at").unwrap().null_count(), 0);
        assert_eq!(set.time_zone(), Some(UtcOffset::UTC));
        let mut b = RecordSetBuilder::new("orders", schema(), UtcOffset::UTC);
        assert!(b.push_row(&["E1", "2022-01-01T00:00:00+08:00", "", "", ""], None));
        assert_eq!(
            b.finish().time_zone(),
            None,
            "offsets of their own need no zone"
        );
    }

    #[test]
    fn bad_rows_are_kept_out_with_every_problem_and_their_origin() {
        let mut b = RecordSetBuilder::new("orders", schema(), UtcOffset::UTC);
        assert!(!b.push_row(
            &["", "yesterday", "12,5", "2022-02-30", "yes"],
            Some("orders.csv:2")
        ));
        assert!(!b.push_row(&["E1"], Some("orders.csv:3")));
        assert!(b.push_row(&["E1", "2022-01-01 00:00", "1", "", ""], None));
        let set = b.finish();
        assert_eq!((set.len(), set.records_read()), (1, 3));
        let bad = &set.bad_records()[0];
        assert_eq!(bad.row, 0);
        assert_eq!(bad.source.as_deref(), Some("orders.csv:2"));
        let codes: Vec<_> = bad.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "missing_value",
                "bad_value",
                "bad_value",
                "bad_value",
                "bad_value"
            ]
        );
        let issues: Vec<_> = bad.issues().collect();
        assert_eq!(issues[2].path, "records.orders[0].amount");
        assert!(
            issues[2]
                .message
                .starts_with("orders.csv:2: field 'amount': \"12,5\"")
        );
        assert_eq!(set.bad_records()[1].problems[0].code, "wrong_cell_count");
        assert_eq!(
            set.bad_records()[1].issues().next().unwrap().path,
            "records.orders[1]"
        );
    }
}
