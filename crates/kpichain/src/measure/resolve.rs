//! Resolving measure definitions against the record sets: every name becomes a column
//! reference and every literal a typed value, and every problem is reported at once.

use crate::error::Code;
use rust_decimal::Decimal;
use std::cmp::Ordering;

use super::def::{Calc, CompareOp, Condition, GrowthBase, Literal, Measure, Statistic};
use super::records::{ColumnData, FastMap, FieldKind, RecordSet, RecordSets, TextColumn, Values};
use super::time::{
    UtcOffset, parse_boolean, parse_date, parse_span_days, parse_span_micros, parse_timestamp,
};
use crate::decimal::parse_decimal;
use crate::error::Issue;

/// A comparison of two present values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    #[inline]
    pub(crate) fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
}

/// A test of one field against literals.
#[derive(Debug)]
pub(crate) enum Test<T> {
    Cmp(Cmp, T),
    In(Vec<T>),
    NotIn(Vec<T>),
    IsNull,
    NotNull,
}

/// A condition bound to columns, evaluated column by column over a selection mask.
#[derive(Debug)]
pub(crate) enum Pred<'a> {
    /// The answer for each dictionary entry of a text field, and for a missing value.
    Text {
        codes: &'a [u32],
        accept: Vec<bool>,
        null: bool,
    },
    Decimal(&'a Values<Decimal>, Test<Decimal>),
    Timestamp(&'a Values<i64>, Test<i64>),
    Date(&'a Values<i32>, Test<i32>),
    Boolean(&'a Values<bool>, Test<bool>),
    TextFields(&'a TextColumn, &'a TextColumn, Cmp),
    DecimalFields(&'a Values<Decimal>, &'a Values<Decimal>, Cmp, Decimal),
    TimestampFields(&'a Values<i64>, &'a Values<i64>, Cmp, i64),
    DateFields(&'a Values<i32>, &'a Values<i32>, Cmp, i32),
    BooleanFields(&'a Values<bool>, &'a Values<bool>, Cmp),
}

/// The field placing records in periods.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeCol<'a> {
    Timestamp(&'a Values<i64>),
    Date(&'a Values<i32>),
}

/// The two ends of a duration.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ends<'a> {
    Timestamps(&'a Values<i64>, &'a Values<i64>),
    Dates(&'a Values<i32>, &'a Values<i32>),
}

/// What a leaf computes per subject.
#[derive(Debug)]
pub(crate) enum Agg<'a> {
    Count,
    Sum(&'a Values<Decimal>),
    Avg(&'a Values<Decimal>),
    Min(&'a Values<Decimal>),
    Max(&'a Values<Decimal>),
    Distinct(&'a ColumnData),
    Share(Vec<Pred<'a>>),
    Duration(Ends<'a>, Statistic),
}

/// One aggregation over one record set.
#[derive(Debug)]
pub(crate) struct Leaf<'a> {
    pub(crate) path: String,
    pub(crate) set: &'a RecordSet,
    pub(crate) subject_field: &'a str,
    pub(crate) subject: &'a TextColumn,
    /// Index of the subject column among the distinct subject columns of the run.
    pub(crate) subject_column: usize,
    pub(crate) time_field: &'a str,
    pub(crate) time: TimeCol<'a>,
    pub(crate) filter: Vec<Pred<'a>>,
    /// The aggregated field's name, for notes.
    pub(crate) field: Option<&'a str>,
    pub(crate) agg: Agg<'a>,
}

/// A resolved calculation.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    Leaf(Box<Leaf<'a>>),
    Ratio {
        path: String,
        numerator: Box<Node<'a>>,
        denominator: Box<Node<'a>>,
        percent: bool,
    },
    Growth {
        path: String,
        of: Box<Node<'a>>,
        base: GrowthBase,
    },
}

/// Resolves names while collecting every problem.
pub(crate) struct Resolver<'a> {
    sets: &'a RecordSets,
    tz: UtcOffset,
    pub(crate) issues: Vec<Issue>,
    /// Distinct subject columns, compared by address.
    pub(crate) subject_columns: Vec<&'a TextColumn>,
}

/// The measure-level defaults a leaf inherits.
struct Scope<'a> {
    set: &'a str,
    subject: &'a str,
    time: &'a str,
    filter: &'a [Condition],
    path: String,
}

/// A leaf's own overrides.
struct Own<'a> {
    records: Option<&'a str>,
    subject: Option<&'a str>,
    time: Option<&'a str>,
    filter: &'a [Condition],
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(sets: &'a RecordSets, tz: UtcOffset) -> Resolver<'a> {
        Resolver {
            sets,
            tz,
            issues: Vec::new(),
            subject_columns: Vec::new(),
        }
    }

    fn issue(
        &mut self,
        code: Code,
        path: impl Into<crate::error::Path>,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue::new(code, path, message));
    }

    /// Resolves one measure at `path` (`measures[i].measure`).
    pub(crate) fn measure(&mut self, m: &'a Measure, path: &str) -> Option<Node<'a>> {
        if let Some(scale) = m.scale.filter(|s| *s > 28) {
            self.issue(
                Code::BadScale,
                format!("{path}.scale"),
                format!("a scale of {scale} is more than the 28 decimal places a decimal has"),
            );
        }
        let mut ok = true;
        if self.sets.get(&m.records).is_none() {
            self.unknown_set(&m.records, format!("{path}.records"));
            ok = false;
        }
        let scope = Scope {
            set: &m.records,
            subject: &m.subject,
            time: &m.time,
            filter: &m.filter,
            path: path.to_string(),
        };
        let node = self.calc(&m.value, &scope, format!("{path}.value"), ok);
        if ok { node } else { None }
    }

    fn unknown_set(&mut self, name: &str, path: String) {
        let known: Vec<&str> = self.sets.iter().map(|s| s.name()).collect();
        self.issue(
            Code::UnknownRecordSet,
            path,
            format!(
                "there is no record set '{name}' (given: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
    }

    fn calc(
        &mut self,
        c: &'a Calc,
        scope: &Scope<'a>,
        path: String,
        set_ok: bool,
    ) -> Option<Node<'a>> {
        let own = |records: &'a Option<String>,
                   subject: &'a Option<String>,
                   time: &'a Option<String>,
                   filter: &'a [Condition]| Own {
            records: records.as_deref(),
            subject: subject.as_deref(),
            time: time.as_deref(),
            filter,
        };
        match c {
            Calc::Ratio(r) => {
                let numerator = self.calc(&r.numerator, scope, format!("{path}.numerator"), set_ok);
                let denominator =
                    self.calc(&r.denominator, scope, format!("{path}.denominator"), set_ok);
                Some(Node::Ratio {
                    path,
                    numerator: Box::new(numerator?),
                    denominator: Box::new(denominator?),
                    percent: r.percent,
                })
            }
            Calc::Growth(g) => {
                let of = self.calc(&g.of, scope, format!("{path}.of"), set_ok)?;
                Some(Node::Growth {
                    path,
                    of: Box::new(of),
                    base: g.base,
                })
            }
            Calc::Count(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |_, _, _| {
                    Some((None, Agg::Count))
                })
            }
            Calc::Sum(x) | Calc::Avg(x) | Calc::Min(x) | Calc::Max(x) | Calc::DistinctCount(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |r, set, path| {
                    let (kind, data) = r.field(set, &x.field, format!("{path}.field"))?;
                    if let Calc::DistinctCount(_) = c {
                        return Some((Some(x.field.as_str()), Agg::Distinct(data)));
                    }
                    let ColumnData::Decimal(values) = data else {
                        r.issue(
                            Code::WrongFieldKind,
                            format!("{path}.field"),
                            format!(
                                "{} needs a decimal field but '{}' is {}",
                                c.kind(),
                                x.field,
                                kind.as_str()
                            ),
                        );
                        return None;
                    };
                    let agg = match c {
                        Calc::Sum(_) => Agg::Sum(values),
                        Calc::Avg(_) => Agg::Avg(values),
                        Calc::Min(_) => Agg::Min(values),
                        _ => Agg::Max(values),
                    };
                    Some((Some(x.field.as_str()), agg))
                })
            }
            Calc::Share(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |r, set, path| {
                    if x.condition.is_empty() {
                        r.issue(
                            Code::EmptyCondition,
                            format!("{path}.condition"),
                            "a share needs at least one condition",
                        );
                        return None;
                    }
                    let preds = r.conditions(set, &x.condition, &format!("{path}.condition"))?;
                    Some((None, Agg::Share(preds)))
                })
            }
            Calc::Duration(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |r, set, path| {
                    let from = r.field(set, &x.from, format!("{path}.from"));
                    let to = r.field(set, &x.to, format!("{path}.to"));
                    let ends = match (from?.1, to?.1) {
                        (ColumnData::Timestamp(a), ColumnData::Timestamp(b)) => {
                            Ends::Timestamps(a, b)
                        }
                        (ColumnData::Date(a), ColumnData::Date(b)) => Ends::Dates(a, b),
                        (a, b) => {
                            r.issue(
                                Code::WrongFieldKind,
                                path.to_string(),
                                format!(
                                    "a duration needs two timestamp fields or two date fields, but '{}' is {} and '{}' is {}",
                                    x.from,
                                    kind_of(a).as_str(),
                                    x.to,
                                    kind_of(b).as_str()
                                ),
                            );
                            return None;
                        }
                    };
                    Some((Some(x.to.as_str()), Agg::Duration(ends, x.statistic)))
                })
            }
        }
    }

    /// Resolves the record set, subject, time and filter of a leaf, then its aggregation.
    fn leaf(
        &mut self,
        scope: &Scope<'a>,
        own: &Own<'a>,
        path: String,
        set_ok: bool,
        agg: impl FnOnce(&mut Self, &'a RecordSet, &str) -> Option<(Option<&'a str>, Agg<'a>)>,
    ) -> Option<Node<'a>> {
        let set_name = own.records.unwrap_or(scope.set);
        let set = match own.records {
            Some(name) => match self.sets.get(name) {
                Some(set) => set,
                None => {
                    self.unknown_set(name, format!("{path}.records"));
                    return None;
                }
            },
            None if set_ok => self.sets.get(set_name)?,
            None => return None,
        };
        let (subject_field, subject_path) = match own.subject {
            Some(s) => (s, format!("{path}.subject")),
            None => (scope.subject, format!("{}.subject", scope.path)),
        };
        let (time_field, time_path) = match own.time {
            Some(t) => (t, format!("{path}.time")),
            None => (scope.time, format!("{}.time", scope.path)),
        };
        let subject = match self.field(set, subject_field, subject_path.clone()) {
            Some((_, ColumnData::Text(c))) => Some(c),
            Some((kind, _)) => {
                self.issue(
                    Code::WrongFieldKind,
                    subject_path,
                    format!(
                        "the subject field '{subject_field}' must be text but is {}",
                        kind.as_str()
                    ),
                );
                None
            }
            None => None,
        };
        let time = match self.field(set, time_field, time_path.clone()) {
            Some((_, ColumnData::Timestamp(v))) => Some(TimeCol::Timestamp(v)),
            Some((_, ColumnData::Date(v))) => Some(TimeCol::Date(v)),
            Some((kind, _)) => {
                self.issue(
                    Code::WrongFieldKind,
                    time_path,
                    format!(
                        "the time field '{time_field}' must be a timestamp or a date but is {}",
                        kind.as_str()
                    ),
                );
                None
            }
            None => None,
        };
        let mut filter = Vec::new();
        let mut filter_ok = true;
        if own.records.is_none_or(|r| r == scope.set) {
            match self.conditions(set, scope.filter, &format!("{}.filter", scope.path)) {
                Some(p) => filter.extend(p),
                None => filter_ok = false,
            }
        }
        match self.conditions(set, own.filter, &format!("{path}.filter")) {
            Some(p) => filter.extend(p),
            None => filter_ok = false,
        }
        let agg = agg(self, set, &path);
        let (subject, time, (field, agg)) = (subject?, time?, agg?);
        if !filter_ok {
            return None;
        }
        let subject_column = match self
            .subject_columns
            .iter()
            .position(|c| std::ptr::eq(*c, subject))
        {
            Some(i) => i,
            None => {
                self.subject_columns.push(subject);
                self.subject_columns.len().saturating_sub(1)
            }
        };
        Some(Node::Leaf(Box::new(Leaf {
            path,
            set,
            subject_field,
            subject,
            subject_column,
            time_field,
            time,
            filter,
            field,
            agg,
        })))
    }

    fn field(
        &mut self,
        set: &'a RecordSet,
        name: &str,
        path: String,
    ) -> Option<(FieldKind, &'a ColumnData)> {
        match set.column(name) {
            Some(c) => Some((c.kind(), &c.data)),
            None => {
                let known: Vec<&str> = set
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect();
                self.issue(
                    Code::UnknownField,
                    path,
                    format!(
                        "record set '{}' has no field '{name}' (its fields: {})",
                        set.name(),
                        known.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn conditions(
        &mut self,
        set: &'a RecordSet,
        conditions: &'a [Condition],
        path: &str,
    ) -> Option<Vec<Pred<'a>>> {
        let mut preds = Vec::with_capacity(conditions.len());
        let mut ok = true;
        for (i, c) in conditions.iter().enumerate() {
            match self.condition(set, c, &format!("{path}[{i}]")) {
                Some(p) => preds.push(p),
                None => ok = false,
            }
        }
        ok.then_some(preds)
    }

    fn condition(&mut self, set: &'a RecordSet, c: &'a Condition, path: &str) -> Option<Pred<'a>> {
        let (kind, data) = self.field(set, &c.field, format!("{path}.field"))?;
        let op = c.op.as_str();
        let misplaced = |r: &mut Self, present: bool, name: &str, why: &str| {
            if present {
                r.issue(
                    Code::BadCondition,
                    format!("{path}.{name}"),
                    format!("'{op}' {why}"),
                );
            }
            present
        };
        let cmp = match c.op {
            CompareOp::IsNull | CompareOp::NotNull => {
                let extra = misplaced(self, c.value.is_some(), "value", "takes no value")
                    | misplaced(self, c.values.is_some(), "values", "takes no values")
                    | misplaced(
                        self,
                        c.other_field.is_some(),
                        "other_field",
                        "takes no other field",
                    )
                    | misplaced(self, c.plus.is_some(), "plus", "takes no plus");
                if extra {
                    return None;
                }
                return Some(null_pred(data, c.op == CompareOp::IsNull));
            }
            CompareOp::In | CompareOp::NotIn => {
                let extra = misplaced(
                    self,
                    c.value.is_some(),
                    "value",
                    "takes a list: write it as values",
                ) | misplaced(
                    self,
                    c.other_field.is_some(),
                    "other_field",
                    "compares with listed values, not with another field",
                ) | misplaced(self, c.plus.is_some(), "plus", "takes no plus");
                let Some(values) = &c.values else {
                    self.issue(
                        Code::BadCondition,
                        path.to_string(),
                        format!("'{op}' needs a list of values"),
                    );
                    return None;
                };
                if extra {
                    return None;
                }
                return self.in_pred(data, values, c.op == CompareOp::NotIn, path);
            }
            CompareOp::Eq => Cmp::Eq,
            CompareOp::Ne => Cmp::Ne,
            CompareOp::Lt => Cmp::Lt,
            CompareOp::Le => Cmp::Le,
            CompareOp::Gt => Cmp::Gt,
            CompareOp::Ge => Cmp::Ge,
        };
        if misplaced(
            self,
            c.values.is_some(),
            "values",
            "compares with one value: write it as value",
        ) {
            return None;
        }
        if matches!(kind, FieldKind::Boolean) && !matches!(cmp, Cmp::Eq | Cmp::Ne) {
            self.issue(
                Code::BadCondition,
                format!("{path}.op"),
                format!(
                    "boolean field '{}' can only be compared with eq or ne",
                    c.field
                ),
            );
            return None;
        }
        match (&c.value, &c.other_field) {
            (Some(value), None) => {
                if misplaced(
                    self,
                    c.plus.is_some(),
                    "plus",
                    "adds plus only to another field",
                ) {
                    return None;
                }
                let path = format!("{path}.value");
                match data {
                    ColumnData::Text(col) => {
                        let lit = self.text_literal(value, &path)?;
                        let accept = col
                            .dictionary
                            .iter()
                            .map(|s| cmp.holds((**s).cmp(lit.as_str())))
                            .collect();
                        Some(Pred::Text {
                            codes: &col.codes,
                            accept,
                            null: false,
                        })
                    }
                    ColumnData::Decimal(v) => Some(Pred::Decimal(
                        v,
                        Test::Cmp(cmp, self.literal(value, &path, decimal)?),
                    )),
                    ColumnData::Timestamp(v) => {
                        let tz = self.tz;
                        let lit = self.literal(value, &path, |l| timestamp(l, tz))?;
                        Some(Pred::Timestamp(v, Test::Cmp(cmp, lit)))
                    }
                    ColumnData::Date(v) => Some(Pred::Date(
                        v,
                        Test::Cmp(cmp, self.literal(value, &path, date)?),
                    )),
                    ColumnData::Boolean(v) => Some(Pred::Boolean(
                        v,
                        Test::Cmp(cmp, self.literal(value, &path, boolean)?),
                    )),
                }
            }
            (None, Some(other)) => {
                let (other_kind, other_data) =
                    self.field(set, other, format!("{path}.other_field"))?;
                let plus_path = format!("{path}.plus");
                let plus = c.plus.as_ref();
                match (data, other_data) {
                    (ColumnData::Text(a), ColumnData::Text(b)) => {
                        if misplaced(self, plus.is_some(), "plus", "cannot add to a text field") {
                            return None;
                        }
                        Some(Pred::TextFields(a, b, cmp))
                    }
                    (ColumnData::Boolean(a), ColumnData::Boolean(b)) => {
                        if misplaced(
                            self,
                            plus.is_some(),
                            "plus",
                            "cannot add to a boolean field",
                        ) {
                            return None;
                        }
                        Some(Pred::BooleanFields(a, b, cmp))
                    }
                    (ColumnData::Decimal(a), ColumnData::Decimal(b)) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, decimal)?,
                            None => Decimal::ZERO,
                        };
                        Some(Pred::DecimalFields(a, b, cmp, plus))
                    }
                    (ColumnData::Timestamp(a), ColumnData::Timestamp(b)) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, span_micros)?,
                            None => 0,
                        };
                        Some(Pred::TimestampFields(a, b, cmp, plus))
                    }
                    (ColumnData::Date(a), ColumnData::Date(b)) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, span_days)?,
                            None => 0,
                        };
                        Some(Pred::DateFields(a, b, cmp, plus))
                    }
                    _ => {
                        self.issue(
                            Code::WrongFieldKind,
                            format!("{path}.other_field"),
                            format!(
                                "'{}' is {} but '{other}' is {}: only fields of the same kind can be compared",
                                c.field,
                                kind.as_str(),
                                other_kind.as_str()
                            ),
                        );
                        None
                    }
                }
            }
            (Some(_), Some(_)) => {
                self.issue(
                    Code::BadCondition,
                    path.to_string(),
                    format!("'{op}' compares with either a value or another field, not both"),
                );
                None
            }
            (None, None) => {
                self.issue(
                    Code::BadCondition,
                    path.to_string(),
                    format!("'{op}' needs a value or another field to compare with"),
                );
                None
            }
        }
    }

    fn in_pred(
        &mut self,
        data: &'a ColumnData,
        values: &[Literal],
        negate: bool,
        path: &str,
    ) -> Option<Pred<'a>> {
        let path = format!("{path}.values");
        let tz = self.tz;
        match data {
            ColumnData::Text(col) => {
                let mut wanted: FastMap<String, ()> = FastMap::default();
                let mut ok = true;
                for (i, v) in values.iter().enumerate() {
                    match self.text_literal(v, &format!("{path}[{i}]")) {
                        Some(s) => {
                            wanted.insert(s, ());
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                let accept = col
                    .dictionary
                    .iter()
                    .map(|s| wanted.contains_key(&**s) != negate)
                    .collect();
                Some(Pred::Text {
                    codes: &col.codes,
                    accept,
                    null: false,
                })
            }
            ColumnData::Decimal(v) => Some(Pred::Decimal(
                v,
                in_test(self.list(values, &path, decimal)?, negate),
            )),
            ColumnData::Timestamp(v) => Some(Pred::Timestamp(
                v,
                in_test(self.list(values, &path, |l| timestamp(l, tz))?, negate),
            )),
            ColumnData::Date(v) => Some(Pred::Date(
                v,
                in_test(self.list(values, &path, date)?, negate),
            )),
            ColumnData::Boolean(v) => Some(Pred::Boolean(
                v,
                in_test(self.list(values, &path, boolean)?, negate),
            )),
        }
    }

    fn list<T>(
        &mut self,
        values: &[Literal],
        path: &str,
        read: impl Fn(&Literal) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(values.len());
        let mut ok = true;
        for (i, v) in values.iter().enumerate() {
            match self.literal(v, &format!("{path}[{i}]"), &read) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn literal<T>(
        &mut self,
        value: &Literal,
        path: &str,
        read: impl Fn(&Literal) -> Result<T, String>,
    ) -> Option<T> {
        match read(value) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.issue(Code::BadValue, path.to_string(), reason);
                None
            }
        }
    }

    fn text_literal(&mut self, value: &Literal, path: &str) -> Option<String> {
        self.literal(value, path, |l| match l {
            Literal::Text(s) => Ok(s.clone()),
            Literal::Number(d) => Ok(d.to_string()),
            Literal::Bool(_) => Err(format!("{l} is not text; write it as a string")),
        })
    }
}

fn kind_of(data: &ColumnData) -> FieldKind {
    match data {
        ColumnData::Text(_) => FieldKind::Text,
        ColumnData::Decimal(_) => FieldKind::Decimal,
        ColumnData::Timestamp(_) => FieldKind::Timestamp,
        ColumnData::Date(_) => FieldKind::Date,
        ColumnData::Boolean(_) => FieldKind::Boolean,
    }
}

fn in_test<T>(list: Vec<T>, negate: bool) -> Test<T> {
    if negate {
        Test::NotIn(list)
    } else {
        Test::In(list)
    }
}

fn null_test<T>(want_null: bool) -> Test<T> {
    if want_null {
        Test::IsNull
    } else {
        Test::NotNull
    }
}

fn null_pred(data: &ColumnData, want_null: bool) -> Pred<'_> {
    match data {
        ColumnData::Text(col) => Pred::Text {
            codes: &col.codes,
            accept: vec![!want_null; col.dictionary.len()],
            null: want_null,
        },
        ColumnData::Decimal(v) => Pred::Decimal(v, null_test(want_null)),
        ColumnData::Timestamp(v) => Pred::Timestamp(v, null_test(want_null)),
        ColumnData::Date(v) => Pred::Date(v, null_test(want_null)),
        ColumnData::Boolean(v) => Pred::Boolean(v, null_test(want_null)),
    }
}

fn decimal(l: &Literal) -> Result<Decimal, String> {
    match l {
        Literal::Number(d) => Ok(*d),
        Literal::Text(s) => parse_decimal(s),
        Literal::Bool(_) => Err(format!("{l} is not a decimal number")),
    }
}

fn timestamp(l: &Literal, tz: UtcOffset) -> Result<i64, String> {
    match l {
        Literal::Text(s) => parse_timestamp(s, tz),
        _ => Err(format!(
            "{l} is not a timestamp; write it as a string such as \"2022-01-31 23:30\""
        )),
    }
}

fn date(l: &Literal) -> Result<i32, String> {
    match l {
        Literal::Text(s) => parse_date(s),
        _ => Err(format!(
            "{l} is not a date; write it as a string such as \"2022-01-31\""
        )),
    }
}

fn boolean(l: &Literal) -> Result<bool, String> {
    match l {
        Literal::Bool(b) => Ok(*b),
        Literal::Text(s) => parse_boolean(s),
        Literal::Number(_) => Err(format!("{l} is not a boolean; write true or false")),
    }
}

fn span_micros(l: &Literal) -> Result<i64, String> {
    match l {
        Literal::Text(s) => parse_span_micros(s),
        _ => Err(format!(
            "{l} is not a span of time; write it as a string such as \"24h\""
        )),
    }
}

fn span_days(l: &Literal) -> Result<i32, String> {
    match l {
        Literal::Text(s) => parse_span_days(s),
        _ => Err(format!(
            "{l} is not a number of days; write it as a string such as \"3d\""
        )),
    }
}
