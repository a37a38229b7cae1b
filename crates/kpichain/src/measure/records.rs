//! Record sets: typed, columnar tables of business records (CRM orders, ERP deliveries, OA
//! approvals) that measures read.
//!
//! Each column holds one field: text is dictionary-encoded (`u32` codes into a list of
//! distinct strings), decimals are exact [`Decimal`]s, timestamps are `i64` microseconds since
//! the Unix epoch (UTC), dates are `i32` days since 1970-01-01 and booleans are `bool`s. A
//! field declared `optional` may hold missing values (nulls).

use crate::error::Code;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::time::UtcOffset;
use crate::error::{InputError, Issue};

pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The type of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Text such as an employee id, region or status (dictionary-encoded).
    Text,
    /// An exact decimal number such as an amount.
    Decimal,
    /// An instant: RFC 3339 text, or a local date and time in the plan's time zone.
    Timestamp,
    /// A calendar date `YYYY-MM-DD`, without a time zone.
    Date,
    /// `true` or `false`.
    Boolean,
}

impl FieldKind {
    /// The kind's name as written in a schema (`decimal`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Decimal => "decimal",
            FieldKind::Timestamp => "timestamp",
            FieldKind::Date => "date",
            FieldKind::Boolean => "boolean",
        }
    }
}

/// A named, typed field of a record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The field's name, e.g. `submitted_at`.
    pub name: String,
    /// The type of its values.
    pub kind: FieldKind,
    /// Whether a record may leave it empty (a missing value). Default `false`: an empty cell
    /// makes the record bad.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

impl Field {
    /// A required field.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            kind,
            optional: false,
        }
    }

    /// The same field, allowed to be empty.
    pub fn optional(mut self) -> Field {
        self.optional = true;
        self
    }
}

/// The fields of a record set, with unique, non-empty names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    fields: Vec<Field>,
}

impl Schema {
    /// Checks that names are unique and non-empty.
    pub fn new(fields: Vec<Field>) -> Result<Schema, InputError> {
        let mut issues = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if f.name.is_empty() {
                issues.push(Issue::new(
                    Code::BadFieldName,
                    format!("fields[{i}].name"),
                    "a field needs a name",
                ));
            } else if fields.iter().take(i).any(|g| g.name == f.name) {
                issues.push(Issue::new(
                    Code::DuplicateField,
                    format!("fields[{i}].name"),
                    format!("field '{}' is declared more than once", f.name),
                ));
            }
        }
        if issues.is_empty() {
            Ok(Schema { fields })
        } else {
            Err(InputError { issues })
        }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The position of the field named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// Values with an optional validity mask (`false` = missing); no mask means all present.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Values<T> {
    pub(crate) data: Vec<T>,
    pub(crate) valid: Option<Vec<bool>>,
}

impl<T: Copy + Default> Values<T> {
    fn dense(data: Vec<T>) -> Values<T> {
        Values { data, valid: None }
    }

    fn from_options(values: Vec<Option<T>>) -> Values<T> {
        if values.iter().all(Option::is_some) {
            return Values::dense(values.into_iter().flatten().collect());
        }
        let valid = values.iter().map(Option::is_some).collect();
        let data = values.into_iter().map(Option::unwrap_or_default).collect();
        Values {
            data,
            valid: Some(valid),
        }
    }

    fn nulls(&self) -> usize {
        self.valid
            .as_ref()
            .map_or(0, |v| v.iter().filter(|ok| !**ok).count())
    }
}

/// A dictionary-encoded text column: one `u32` code per record into a list of distinct
/// strings; [`TextColumn::NULL`] marks a missing value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextColumn {
    pub(crate) codes: Vec<u32>,
    pub(crate) dictionary: Vec<Box<str>>,
}

impl TextColumn {
    /// The code of a missing value.
    pub const NULL: u32 = u32::MAX;

    /// A column from codes and the dictionary they index. The dictionary's strings must be
    /// distinct and every code must index it or be [`TextColumn::NULL`].
    pub fn from_codes(codes: Vec<u32>, dictionary: Vec<String>) -> Result<TextColumn, String> {
        if u32::try_from(dictionary.len()).map_or(true, |n| n == u32::MAX) {
            return Err("the dictionary has too many entries".to_string());
        }
        let mut seen: FastMap<&str, ()> =
            FastMap::with_capacity_and_hasher(dictionary.len(), Default::default());
        for s in &dictionary {
            if seen.insert(s.as_str(), ()).is_some() {
                return Err(format!("the dictionary holds \"{s}\" more than once"));
            }
        }
        let n = dictionary.len();
        if let Some(bad) = codes
            .iter()
            .find(|&&c| c != TextColumn::NULL && usize::try_from(c).map_or(true, |c| c >= n))
        {
            return Err(format!(
                "code {bad} is outside the dictionary of {n} entries"
            ));
        }
        Ok(TextColumn {
            codes,
            dictionary: dictionary.into_iter().map(String::into_boxed_str).collect(),
        })
    }

    /// A column from values, interning each distinct string once (`None` is missing).
    pub fn from_values<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> TextColumn {
        let mut interner = Interner::default();
        let codes = values
            .into_iter()
            .map(|v| v.map_or(TextColumn::NULL, |s| interner.intern(s)))
            .collect();
        TextColumn {
            codes,
            dictionary: interner.dictionary,
        }
    }

    /// The per-record codes.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The distinct strings, indexed by code.
    pub fn dictionary(&self) -> &[Box<str>] {
        &self.dictionary
    }

    /// The value of record `row`, `None` when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = usize::try_from(*self.codes.get(row)?).ok()?;
        self.dictionary.get(code).map(|s| &**s)
    }

    pub(crate) fn text(&self, code: u32) -> Option<&str> {
        self.dictionary
            .get(usize::try_from(code).ok()?)
            .map(|s| &**s)
    }
}

/// Interns strings into dictionary codes while a text column is built.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: FastMap<Box<str>, u32>,
    pub(crate) dictionary: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&code) = self.map.get(s) {
            return code;
        }
        // More than u32::MAX − 1 distinct strings cannot be addressed: they share the last code
        // below NULL. No caller of the engine has four billion distinct ids per column.
        let code = u32::try_from(self.dictionary.len())
            .unwrap_or(u32::MAX.saturating_sub(1))
            .min(u32::MAX.saturating_sub(1));
        self.dictionary.push(s.into());
        self.map.insert(s.into(), code);
        code
    }
}

/// The values of one field of a record set.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub(crate) data: ColumnData,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnData {
    Text(TextColumn),
    Decimal(Values<Decimal>),
    Timestamp(Values<i64>),
    Date(Values<i32>),
    Boolean(Values<bool>),
}

impl Column {
    /// A text column.
    pub fn text(column: TextColumn) -> Column {
        Column {
            data: ColumnData::Text(column),
        }
    }

    /// A decimal column without missing values.
    pub fn decimal(values: Vec<Decimal>) -> Column {
        Column {
            data: ColumnData::Decimal(Values::dense(values)),
        }
    }

    /// A decimal column; `None` is a missing value.
    pub fn decimal_opt(values: Vec<Option<Decimal>>) -> Column {
        Column {
            data: ColumnData::Decimal(Values::from_options(values)),
        }
    }

    /// A timestamp column of microseconds since 1970-01-01T00:00:00Z.
    pub fn timestamp_micros(values: Vec<i64>) -> Column {
        Column {
            data: ColumnData::Timestamp(Values::dense(values)),
        }
    }

    /// A timestamp column of microseconds since the epoch; `None` is a missing value.
    pub fn timestamp_micros_opt(values: Vec<Option<i64>>) -> Column {
        Column {
            data: ColumnData::Timestamp(Values::from_options(values)),
        }
    }

    /// A date column of days since 1970-01-01.
    pub fn date_days(values: Vec<i32>) -> Column {
        Column {
            data: ColumnData::Date(Values::dense(values)),
        }
    }

    /// A date column of days since 1970-01-01; `None` is a missing value.
    pub fn date_days_opt(values: Vec<Option<i32>>) -> Column {
        Column {
            data: ColumnData::Date(Values::from_options(values)),
        }
    }

    /// A boolean column.
    pub fn boolean(values: Vec<bool>) -> Column {
        Column {
            data: ColumnData::Boolean(Values::dense(values)),
        }
    }

    /// A boolean column; `None` is a missing value.
    pub fn boolean_opt(values: Vec<Option<bool>>) -> Column {
        Column {
            data: ColumnData::Boolean(Values::from_options(values)),
        }
    }

    /// An empty column of `kind`.
    pub fn empty(kind: FieldKind) -> Column {
        match kind {
            FieldKind::Text => Column::text(TextColumn::from_values(std::iter::empty())),
            FieldKind::Decimal => Column::decimal(Vec::new()),
            FieldKind::Timestamp => Column::timestamp_micros(Vec::new()),
            FieldKind::Date => Column::date_days(Vec::new()),
            FieldKind::Boolean => Column::boolean(Vec::new()),
        }
    }

    /// The kind of the values.
    pub fn kind(&self) -> FieldKind {
        match &self.data {
            ColumnData::Text(_) => FieldKind::Text,
            ColumnData::Decimal(_) => FieldKind::Decimal,
            ColumnData::Timestamp(_) => FieldKind::Timestamp,
            ColumnData::Date(_) => FieldKind::Date,
            ColumnData::Boolean(_) => FieldKind::Boolean,
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Text(c) => c.codes.len(),
            ColumnData::Decimal(v) => v.data.len(),
            ColumnData::Timestamp(v) => v.data.len(),
            ColumnData::Date(v) => v.data.len(),
            ColumnData::Boolean(v) => v.data.len(),
        }
    }

    /// Whether the column has no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of missing values.
    pub fn null_count(&self) -> usize {
        match &self.data {
            ColumnData::Text(c) => c.codes.iter().filter(|&&c| c == TextColumn::NULL).count(),
            ColumnData::Decimal(v) => v.nulls(),
            ColumnData::Timestamp(v) => v.nulls(),
            ColumnData::Date(v) => v.nulls(),
            ColumnData::Boolean(v) => v.nulls(),
        }
    }

    /// The text column, when this is one.
    pub fn as_text(&self) -> Option<&TextColumn> {
        match &self.data {
            ColumnData::Text(c) => Some(c),
            _ => None,
        }
    }
}

/// One problem with one cell (or with the shape) of a bad record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellProblem {
    /// The field, absent when the record as a whole is malformed (wrong number of cells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Stable code: `bad_value`, `missing_value` or `wrong_cell_count`.
    pub code: crate::error::Code,
    /// Why the cell was refused, quoting it.
    pub reason: String,
}

/// A record that could not be read, with where it came from and every problem it has. Bad
/// records are never silently dropped: they stop the derivation or are counted and reported,
/// as the [`BadRecordPolicy`](super::BadRecordPolicy) says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BadRecord {
    /// The record set's name.
    pub record_set: String,
    /// The record's position among the rows given to the builder, from 0.
    pub row: usize,
    /// The caller's label for the record's origin, e.g. `orders.csv:14`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is wrong with it.
    pub problems: Vec<CellProblem>,
}

impl BadRecord {
    /// One issue per problem, with the path `records.SET[ROW].FIELD` and the source label at
    /// the start of the message.
    pub fn issues(&self) -> impl Iterator<Item = Issue> + '_ {
        self.problems.iter().map(move |p| {
            let mut path = format!("records.{}[{}]", self.record_set, self.row);
            if let Some(field) = &p.field {
                path.push('.');
                path.push_str(field);
            }
            let at = match &self.source {
                Some(source) => format!("{source}: "),
                None => String::new(),
            };
            let field = match &p.field {
                Some(f) => format!("field '{f}': "),
                None => String::new(),
            };
            Issue::new(p.code, path, format!("{at}{field}{}", p.reason))
        })
    }
}

/// A named, typed, columnar set of records, e.g. `orders`. Build one from text rows with
/// [`RecordSetBuilder`](super::RecordSetBuilder) or from typed columns with
/// [`RecordSet::from_columns`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSet {
    pub(crate) name: String,
    pub(crate) schema: Schema,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: usize,
    pub(crate) bad: Vec<BadRecord>,
    pub(crate) time_zone: Option<UtcOffset>,
}

impl RecordSet {
    /// A record set from typed columns of equal length, one per field. A field's column must
    /// be of its kind, and only optional fields may have missing values.
    pub fn from_columns(
        name: impl Into<String>,
        columns: Vec<(Field, Column)>,
    ) -> Result<RecordSet, InputError> {
        let name = name.into();
        let (fields, columns): (Vec<Field>, Vec<Column>) = columns.into_iter().unzip();
        let schema = Schema::new(fields)?;
        let rows = columns.first().map_or(0, Column::len);
        let mut issues = Vec::new();
        for (f, c) in schema.fields().iter().zip(&columns) {
            let path = format!("records.{name}.{}", f.name);
            if c.kind() != f.kind {
                issues.push(Issue::new(
                    Code::WrongFieldKind,
                    path.clone(),
                    format!(
                        "field '{}' is declared {} but its column holds {} values",
                        f.name,
                        f.kind.as_str(),
                        c.kind().as_str()
                    ),
                ));
            }
            if c.len() != rows {
                issues.push(Issue::new(
                    Code::ColumnLength,
                    path.clone(),
                    format!(
                        "column '{}' has {} values but the first column has {rows}",
                        f.name,
                        c.len()
                    ),
                ));
            }
            if !f.optional && c.null_count() > 0 {
                issues.push(Issue::new(
                    Code::MissingValue,
                    path,
                    format!(
                        "field '{}' is required but {} records have no value",
                        f.name,
                        c.null_count()
                    ),
                ));
            }
        }
        if !issues.is_empty() {
            return Err(InputError { issues });
        }
        Ok(RecordSet {
            name,
            schema,
            columns,
            rows,
            bad: Vec::new(),
            time_zone: None,
        })
    }

    /// The record set's name, e.g. `orders`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its fields.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The number of good records.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no good records.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Records that could not be read; they are not among the good records.
    pub fn bad_records(&self) -> &[BadRecord] {
        &self.bad
    }

    /// Good and bad records together: every record the builder was given.
    pub fn records_read(&self) -> usize {
        self.rows.saturating_add(self.bad.len())
    }

    /// The column of the field named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(self.schema.index_of(name)?)
    }

    /// The time zone local timestamps (without an offset of their own) were read in, when
    /// any were; a derivation in another time zone refuses the set.
    pub fn time_zone(&self) -> Option<UtcOffset> {
        self.time_zone
    }
}

/// The record sets a derivation reads, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSets {
    sets: Vec<RecordSet>,
}

impl RecordSets {
    /// No record sets.
    pub fn new() -> RecordSets {
        RecordSets::default()
    }

    /// Adds a record set; its name must be new.
    pub fn insert(&mut self, set: RecordSet) -> Result<(), InputError> {
        if self.get(&set.name).is_some() {
            return Err(InputError {
                issues: vec![Issue::new(
                    Code::DuplicateRecordSet,
                    format!("records.{}", set.name),
                    format!("record set '{}' is given more than once", set.name),
                )],
            });
        }
        self.sets.push(set);
        Ok(())
    }

    /// The record set named `name`.
    pub fn get(&self, name: &str) -> Option<&RecordSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// All record sets, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &RecordSet> {
        self.sets.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_refuse_duplicate_and_empty_names() {
        let err = Schema::new(vec![
            Field::new("rep", FieldKind::Text),
            Field::new("rep", FieldKind::Decimal),
            Field::new("", FieldKind::Date),
        ])
        .unwrap_err();
        let codes: Vec<_> = err.issues.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["duplicate_field", "bad_field_name"]);
    }

    #[test]
    fn text_columns_check_their_codes_and_dictionary() {
        assert!(
            TextColumn::from_codes(vec![0, 1, TextColumn::NULL], vec!["a".into(), "b".into()])
                .is_ok()
        );
        assert!(TextColumn::from_codes(vec![2], vec!["a".into(), "b".into()]).is_err());
        assert!(TextColumn::from_codes(vec![0], vec!["a".into(), "a".into()]).is_err());
        let c = TextColumn::from_values([Some("x"), None, Some("y"), Some("x")]);
        assert_eq!(c.codes(), &[0, TextColumn::NULL, 1, 0]);
        assert_eq!(c.get(2), Some("y"));
        assert_eq!(c.get(1), None);
        assert_eq!(Column::text(c).null_count(), 1);
    }

    #[test]
    fn record_sets_from_columns_are_checked() {
        let ok = RecordSet::from_columns(
            "orders",
            vec![
                (
                    Field::new("rep", FieldKind::Text),
                    Column::text(TextColumn::from_values([Some("E1"), Some("E2")])),
                ),
                (
                    Field::new("amount", FieldKind::Decimal).optional(),
                    Column::decimal_opt(vec![Some(Decimal::ONE), None]),
                ),
            ],
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok.column("amount").unwrap().null_count(), 1);
        let err = RecordSet::from_columns(
            "orders",
            vec![
                (
                    Field::new("rep", FieldKind::Decimal),
                    Column::text(TextColumn::from_values([Some("E1")])),
                ),
                (
                    Field::new("amount", FieldKind::Decimal),
                    Column::decimal_opt(vec![None, None]),
                ),
            ],
        )
        .unwrap_err();
        let codes: Vec<_> = err.issues.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(
            codes,
            ["wrong_field_kind", "column_length", "missing_value"]
        );
        let mut sets = RecordSets::new();
        sets.insert(ok.clone()).unwrap();
        assert_eq!(
            sets.insert(ok).unwrap_err().issues[0].code,
            "duplicate_record_set"
        );
    }
}
