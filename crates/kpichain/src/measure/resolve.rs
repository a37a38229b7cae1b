//! Compiling measure definitions against record set schemas (every name becomes a field
//! index and every literal a typed value, and every problem is reported at once), and
//! binding compiled measures to the columns of record sets of those schemas.

use crate::error::Code;
use rust_decimal::Decimal;
use std::cmp::Ordering;

use super::def::{Calc, CompareOp, Condition, GrowthBase, Literal, Measure, MeasureDef, Statistic};
use super::records::{ColumnData, FieldKind, RecordSet, RecordSets, Schema, TextColumn, Values};
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
#[derive(Debug, Clone)]
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

/// A test of one field, compiled against a schema: the field's index and typed literals.
#[derive(Debug, Clone)]
pub(crate) enum CPred {
    /// A text field compared with a literal.
    TextCmp(usize, Cmp, String),
    /// A text field in (or, negated, not in) a list of literals, sorted and unique.
    TextIn(usize, Vec<String>, bool),
    /// A text field tested for a missing value (`true`) or a present one.
    TextNull(usize, bool),
    Decimal(usize, Test<Decimal>),
    Timestamp(usize, Test<i64>),
    Date(usize, Test<i32>),
    Boolean(usize, Test<bool>),
    TextFields(usize, usize, Cmp),
    DecimalFields(usize, usize, Cmp, Decimal),
    TimestampFields(usize, usize, Cmp, i64),
    DateFields(usize, usize, Cmp, i32),
    BooleanFields(usize, usize, Cmp),
}

/// What a compiled leaf computes per subject; fields by index.
#[derive(Debug, Clone)]
pub(crate) enum CAgg {
    Count,
    Sum(usize),
    Avg(usize),
    Min(usize),
    Max(usize),
    Distinct(usize),
    Share(Vec<CPred>),
    /// From, to, whether both are dates (else timestamps), and the statistic.
    Duration(usize, usize, bool, Statistic),
}

/// One aggregation over one record set, compiled against its schema.
#[derive(Debug, Clone)]
pub(crate) struct CLeaf {
    path: String,
    /// Index of the record set among the schemas compiled against.
    set: usize,
    subject_field: String,
    subject: usize,
    time_field: String,
    time: usize,
    filter: Vec<CPred>,
    field: Option<String>,
    agg: CAgg,
}

/// A compiled calculation.
#[derive(Debug, Clone)]
pub(crate) enum CNode {
    Leaf(Box<CLeaf>),
    Ratio {
        path: String,
        numerator: Box<CNode>,
        denominator: Box<CNode>,
        percent: bool,
    },
    Growth {
        path: String,
        of: Box<CNode>,
        base: GrowthBase,
    },
}

/// Measures compiled against record set schemas: bound cheaply to record sets of those
/// schemas.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledMeasures {
    /// The record sets compiled against, by name, with their schemas.
    sets: Vec<(String, Schema)>,
    /// One node per measure.
    nodes: Vec<CNode>,
    /// Every (record set, subject field) pair the measures may read.
    pub(crate) subjects: Vec<(String, String)>,
}

/// Compiled measures bound to record columns.
pub(crate) struct Bound<'a> {
    pub(crate) nodes: Vec<Node<'a>>,
    /// Distinct subject columns, compared by address.
    pub(crate) subject_columns: Vec<&'a TextColumn>,
}

impl CompiledMeasures {
    /// Compiles `measures` against `sets`, the measure `k` at `bases[k]` (e.g.
    /// `indicators[i].measure`). Every problem is reported at once, in order.
    pub(crate) fn compile(
        measures: &[MeasureDef],
        bases: &[String],
        sets: &[(&str, &Schema)],
        tz: UtcOffset,
        subjects: Vec<(String, String)>,
    ) -> Result<CompiledMeasures, Vec<Issue>> {
        let mut compiler = Compiler {
            sets,
            tz,
            issues: Vec::new(),
        };
        let nodes: Vec<Option<CNode>> = measures
            .iter()
            .zip(bases)
            .map(|(d, base)| compiler.measure(&d.measure, base))
            .collect();
        if !compiler.issues.is_empty() {
            return Err(compiler.issues);
        }
        let nodes: Option<Vec<CNode>> = nodes.into_iter().collect();
        let Some(nodes) = nodes else {
            return Err(Vec::new());
        };
        Ok(CompiledMeasures {
            sets: sets
                .iter()
                .map(|(n, s)| ((*n).to_string(), (*s).clone()))
                .collect(),
            nodes,
            subjects,
        })
    }

    /// Binds the measures to `records`; `None` when a record set they read is missing or
    /// has another schema than the one compiled against.
    pub(crate) fn bind<'a>(&'a self, records: &'a RecordSets) -> Option<Bound<'a>> {
        let sets: Vec<Option<&'a RecordSet>> = self
            .sets
            .iter()
            .map(|(name, schema)| records.get(name).filter(|s| s.schema() == schema))
            .collect();
        let mut bound = Bound {
            nodes: Vec::with_capacity(self.nodes.len()),
            subject_columns: Vec::new(),
        };
        for node in &self.nodes {
            let node = bind_node(node, &sets, &mut bound.subject_columns)?;
            bound.nodes.push(node);
        }
        Some(bound)
    }
}

fn bind_node<'a>(
    node: &'a CNode,
    sets: &[Option<&'a RecordSet>],
    subject_columns: &mut Vec<&'a TextColumn>,
) -> Option<Node<'a>> {
    Some(match node {
        CNode::Ratio {
            path,
            numerator,
            denominator,
            percent,
        } => {
            let numerator = bind_node(numerator, sets, subject_columns)?;
            let denominator = bind_node(denominator, sets, subject_columns)?;
            Node::Ratio {
                path: path.clone(),
                numerator: Box::new(numerator),
                denominator: Box::new(denominator),
                percent: *percent,
            }
        }
        CNode::Growth { path, of, base } => Node::Growth {
            path: path.clone(),
            of: Box::new(bind_node(of, sets, subject_columns)?),
            base: *base,
        },
        CNode::Leaf(leaf) => {
            let set = (*sets.get(leaf.set)?)?;
            let col = |i: usize| set.columns.get(i).map(|c| &c.data);
            let subject = match col(leaf.subject)? {
                ColumnData::Text(c) => c,
                _ => return None,
            };
            let time = match col(leaf.time)? {
                ColumnData::Timestamp(v) => TimeCol::Timestamp(v),
                ColumnData::Date(v) => TimeCol::Date(v),
                _ => return None,
            };
            let filter = bind_preds(&leaf.filter, set)?;
            let decimals = |i: usize| match col(i) {
                Some(ColumnData::Decimal(v)) => Some(v),
                _ => None,
            };
            let agg = match &leaf.agg {
                CAgg::Count => Agg::Count,
                CAgg::Sum(i) => Agg::Sum(decimals(*i)?),
                CAgg::Avg(i) => Agg::Avg(decimals(*i)?),
                CAgg::Min(i) => Agg::Min(decimals(*i)?),
                CAgg::Max(i) => Agg::Max(decimals(*i)?),
                CAgg::Distinct(i) => Agg::Distinct(col(*i)?),
                CAgg::Share(preds) => Agg::Share(bind_preds(preds, set)?),
                CAgg::Duration(from, to, dates, statistic) => {
                    let ends = match (col(*from)?, col(*to)?, dates) {
                        (ColumnData::Timestamp(a), ColumnData::Timestamp(b), false) => {
                            Ends::Timestamps(a, b)
                        }
                        (ColumnData::Date(a), ColumnData::Date(b), true) => Ends::Dates(a, b),
                        _ => return None,
                    };
                    Agg::Duration(ends, *statistic)
                }
            };
            let subject_column = match subject_columns
                .iter()
                .position(|c| std::ptr::eq(*c, subject))
            {
                Some(i) => i,
                None => {
                    subject_columns.push(subject);
                    subject_columns.len().saturating_sub(1)
                }
            };
            Node::Leaf(Box::new(Leaf {
                path: leaf.path.clone(),
                set,
                subject_field: &leaf.subject_field,
                subject,
                subject_column,
                time_field: &leaf.time_field,
                time,
                filter,
                field: leaf.field.as_deref(),
                agg,
            }))
        }
    })
}

fn bind_preds<'a>(preds: &'a [CPred], set: &'a RecordSet) -> Option<Vec<Pred<'a>>> {
    preds.iter().map(|p| bind_pred(p, set)).collect()
}

fn bind_pred<'a>(pred: &'a CPred, set: &'a RecordSet) -> Option<Pred<'a>> {
    let col = |i: usize| set.columns.get(i).map(|c| &c.data);
    let text = |i: usize| match col(i) {
        Some(ColumnData::Text(c)) => Some(c),
        _ => None,
    };
    Some(match pred {
        CPred::TextCmp(i, cmp, lit) => {
            let c = text(*i)?;
            Pred::Text {
                codes: &c.codes,
                accept: c
                    .dictionary
                    .iter()
                    .map(|s| cmp.holds((**s).cmp(lit.as_str())))
                    .collect(),
                null: false,
            }
        }
        CPred::TextIn(i, list, negate) => {
            let c = text(*i)?;
            Pred::Text {
                codes: &c.codes,
                accept: c
                    .dictionary
                    .iter()
                    .map(|s| list.binary_search_by(|x| x.as_str().cmp(s)).is_ok() != *negate)
                    .collect(),
                null: false,
            }
        }
        CPred::TextNull(i, want_null) => {
            let c = text(*i)?;
            Pred::Text {
                codes: &c.codes,
                accept: vec![!*want_null; c.dictionary.len()],
                null: *want_null,
            }
        }
        CPred::Decimal(i, t) => match col(*i)? {
            ColumnData::Decimal(v) => Pred::Decimal(v, t.clone()),
            _ => return None,
        },
        CPred::Timestamp(i, t) => match col(*i)? {
            ColumnData::Timestamp(v) => Pred::Timestamp(v, t.clone()),
            _ => return None,
        },
        CPred::Date(i, t) => match col(*i)? {
            ColumnData::Date(v) => Pred::Date(v, t.clone()),
            _ => return None,
        },
        CPred::Boolean(i, t) => match col(*i)? {
            ColumnData::Boolean(v) => Pred::Boolean(v, t.clone()),
            _ => return None,
        },
        CPred::TextFields(a, b, cmp) => Pred::TextFields(text(*a)?, text(*b)?, *cmp),
        CPred::DecimalFields(a, b, cmp, plus) => match (col(*a)?, col(*b)?) {
            (ColumnData::Decimal(a), ColumnData::Decimal(b)) => {
                Pred::DecimalFields(a, b, *cmp, *plus)
            }
            _ => return None,
        },
        CPred::TimestampFields(a, b, cmp, plus) => match (col(*a)?, col(*b)?) {
            (ColumnData::Timestamp(a), ColumnData::Timestamp(b)) => {
                Pred::TimestampFields(a, b, *cmp, *plus)
            }
            _ => return None,
        },
        CPred::DateFields(a, b, cmp, plus) => match (col(*a)?, col(*b)?) {
            (ColumnData::Date(a), ColumnData::Date(b)) => Pred::DateFields(a, b, *cmp, *plus),
            _ => return None,
        },
        CPred::BooleanFields(a, b, cmp) => match (col(*a)?, col(*b)?) {
            (ColumnData::Boolean(a), ColumnData::Boolean(b)) => Pred::BooleanFields(a, b, *cmp),
            _ => return None,
        },
    })
}

/// Compiles measures against schemas while collecting every problem.
struct Compiler<'s> {
    sets: &'s [(&'s str, &'s Schema)],
    tz: UtcOffset,
    issues: Vec<Issue>,
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

impl Compiler<'_> {
    fn issue(
        &mut self,
        code: Code,
        path: impl Into<crate::error::Path>,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue::new(code, path, message));
    }

    fn set(&self, name: &str) -> Option<usize> {
        self.sets.iter().position(|(n, _)| *n == name)
    }

    /// Compiles one measure at `path` (`indicators[i].measure`, `measures[k].measure`).
    fn measure(&mut self, m: &Measure, path: &str) -> Option<CNode> {
        if let Some(scale) = m.scale.filter(|s| *s > 28) {
            self.issue(
                Code::BadScale,
                format!("{path}.scale"),
                format!("a scale of {scale} is more than the 28 decimal places a decimal has"),
            );
        }
        let mut ok = true;
        if self.set(&m.records).is_none() {
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
        let known: Vec<&str> = self.sets.iter().map(|(n, _)| *n).collect();
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

    fn calc<'m>(
        &mut self,
        c: &'m Calc,
        scope: &Scope<'m>,
        path: String,
        set_ok: bool,
    ) -> Option<CNode> {
        let own = |records: &'m Option<String>,
                   subject: &'m Option<String>,
                   time: &'m Option<String>,
                   filter: &'m [Condition]| Own {
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
                Some(CNode::Ratio {
                    path,
                    numerator: Box::new(numerator?),
                    denominator: Box::new(denominator?),
                    percent: r.percent,
                })
            }
            Calc::Growth(g) => {
                let of = self.calc(&g.of, scope, format!("{path}.of"), set_ok)?;
                Some(CNode::Growth {
                    path,
                    of: Box::new(of),
                    base: g.base,
                })
            }
            Calc::Count(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |_, _, _| {
                    Some((None, CAgg::Count))
                })
            }
            Calc::Sum(x) | Calc::Avg(x) | Calc::Min(x) | Calc::Max(x) | Calc::DistinctCount(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |r, set, path| {
                    let (kind, i) = r.field(set, &x.field, format!("{path}.field"))?;
                    if let Calc::DistinctCount(_) = c {
                        return Some((Some(x.field.clone()), CAgg::Distinct(i)));
                    }
                    if kind != FieldKind::Decimal {
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
                    }
                    let agg = match c {
                        Calc::Sum(_) => CAgg::Sum(i),
                        Calc::Avg(_) => CAgg::Avg(i),
                        Calc::Min(_) => CAgg::Min(i),
                        _ => CAgg::Max(i),
                    };
                    Some((Some(x.field.clone()), agg))
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
                    Some((None, CAgg::Share(preds)))
                })
            }
            Calc::Duration(x) => {
                let own = own(&x.records, &x.subject, &x.time, &x.filter);
                self.leaf(scope, &own, path, set_ok, |r, set, path| {
                    let from = r.field(set, &x.from, format!("{path}.from"));
                    let to = r.field(set, &x.to, format!("{path}.to"));
                    let ((a, from), (b, to)) = (from?, to?);
                    let dates = match (a, b) {
                        (FieldKind::Timestamp, FieldKind::Timestamp) => false,
                        (FieldKind::Date, FieldKind::Date) => true,
                        (a, b) => {
                            r.issue(
                                Code::WrongFieldKind,
                                path.to_string(),
                                format!(
                                    "a duration needs two timestamp fields or two date fields, but '{}' is {} and '{}' is {}",
                                    x.from,
                                    a.as_str(),
                                    x.to,
                                    b.as_str()
                                ),
                            );
                            return None;
                        }
                    };
                    Some((
                        Some(x.to.clone()),
                        CAgg::Duration(from, to, dates, x.statistic),
                    ))
                })
            }
        }
    }

    /// Compiles the record set, subject, time and filter of a leaf, then its aggregation.
    fn leaf(
        &mut self,
        scope: &Scope<'_>,
        own: &Own<'_>,
        path: String,
        set_ok: bool,
        agg: impl FnOnce(&mut Self, usize, &str) -> Option<(Option<String>, CAgg)>,
    ) -> Option<CNode> {
        let set_name = own.records.unwrap_or(scope.set);
        let set = match own.records {
            Some(name) => match self.set(name) {
                Some(set) => set,
                None => {
                    self.unknown_set(name, format!("{path}.records"));
                    return None;
                }
            },
            None if set_ok => self.set(set_name)?,
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
            Some((FieldKind::Text, i)) => Some(i),
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
            Some((FieldKind::Timestamp | FieldKind::Date, i)) => Some(i),
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
        Some(CNode::Leaf(Box::new(CLeaf {
            path,
            set,
            subject_field: subject_field.to_string(),
            subject,
            time_field: time_field.to_string(),
            time,
            filter,
            field,
            agg,
        })))
    }

    fn field(&mut self, set: usize, name: &str, path: String) -> Option<(FieldKind, usize)> {
        let (set_name, schema) = *self.sets.get(set)?;
        match schema.index_of(name) {
            Some(i) => Some((schema.fields().get(i)?.kind, i)),
            None => {
                let known: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
                self.issue(
                    Code::UnknownField,
                    path,
                    format!(
                        "record set '{set_name}' has no field '{name}' (its fields: {})",
                        known.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn conditions(
        &mut self,
        set: usize,
        conditions: &[Condition],
        path: &str,
    ) -> Option<Vec<CPred>> {
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

    fn condition(&mut self, set: usize, c: &Condition, path: &str) -> Option<CPred> {
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
                return Some(null_pred(kind, data, c.op == CompareOp::IsNull));
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
                return self.in_pred(kind, data, values, c.op == CompareOp::NotIn, path);
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
                match kind {
                    FieldKind::Text => {
                        let lit = self.text_literal(value, &path)?;
                        Some(CPred::TextCmp(data, cmp, lit))
                    }
                    FieldKind::Decimal => Some(CPred::Decimal(
                        data,
                        Test::Cmp(cmp, self.literal(value, &path, decimal)?),
                    )),
                    FieldKind::Timestamp => {
                        let tz = self.tz;
                        let lit = self.literal(value, &path, |l| timestamp(l, tz))?;
                        Some(CPred::Timestamp(data, Test::Cmp(cmp, lit)))
                    }
                    FieldKind::Date => Some(CPred::Date(
                        data,
                        Test::Cmp(cmp, self.literal(value, &path, date)?),
                    )),
                    FieldKind::Boolean => Some(CPred::Boolean(
                        data,
                        Test::Cmp(cmp, self.literal(value, &path, boolean)?),
                    )),
                }
            }
            (None, Some(other)) => {
                let (other_kind, other_data) =
                    self.field(set, other, format!("{path}.other_field"))?;
                let plus_path = format!("{path}.plus");
                let plus = c.plus.as_ref();
                match (kind, other_kind) {
                    (FieldKind::Text, FieldKind::Text) => {
                        if misplaced(self, plus.is_some(), "plus", "cannot add to a text field") {
                            return None;
                        }
                        Some(CPred::TextFields(data, other_data, cmp))
                    }
                    (FieldKind::Boolean, FieldKind::Boolean) => {
                        if misplaced(
                            self,
                            plus.is_some(),
                            "plus",
                            "cannot add to a boolean field",
                        ) {
                            return None;
                        }
                        Some(CPred::BooleanFields(data, other_data, cmp))
                    }
                    (FieldKind::Decimal, FieldKind::Decimal) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, decimal)?,
                            None => Decimal::ZERO,
                        };
                        Some(CPred::DecimalFields(data, other_data, cmp, plus))
                    }
                    (FieldKind::Timestamp, FieldKind::Timestamp) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, span_micros)?,
                            None => 0,
                        };
                        Some(CPred::TimestampFields(data, other_data, cmp, plus))
                    }
                    (FieldKind::Date, FieldKind::Date) => {
                        let plus = match plus {
                            Some(p) => self.literal(p, &plus_path, span_days)?,
                            None => 0,
                        };
                        Some(CPred::DateFields(data, other_data, cmp, plus))
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
        kind: FieldKind,
        data: usize,
        values: &[Literal],
        negate: bool,
        path: &str,
    ) -> Option<CPred> {
        let path = format!("{path}.values");
        let tz = self.tz;
        match kind {
            FieldKind::Text => {
                let mut wanted: Vec<String> = Vec::with_capacity(values.len());
                let mut ok = true;
                for (i, v) in values.iter().enumerate() {
                    match self.text_literal(v, &format!("{path}[{i}]")) {
                        Some(s) => wanted.push(s),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                wanted.sort_unstable();
                wanted.dedup();
                Some(CPred::TextIn(data, wanted, negate))
            }
            FieldKind::Decimal => Some(CPred::Decimal(
                data,
                in_test(self.list(values, &path, decimal)?, negate),
            )),
            FieldKind::Timestamp => Some(CPred::Timestamp(
                data,
                in_test(self.list(values, &path, |l| timestamp(l, tz))?, negate),
            )),
            FieldKind::Date => Some(CPred::Date(
                data,
                in_test(self.list(values, &path, date)?, negate),
            )),
            FieldKind::Boolean => Some(CPred::Boolean(
                data,
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

fn null_pred(kind: FieldKind, field: usize, want_null: bool) -> CPred {
    match kind {
        FieldKind::Text => CPred::TextNull(field, want_null),
        FieldKind::Decimal => CPred::Decimal(field, null_test(want_null)),
        FieldKind::Timestamp => CPred::Timestamp(field, null_test(want_null)),
        FieldKind::Date => CPred::Date(field, null_test(want_null)),
        FieldKind::Boolean => CPred::Boolean(field, null_test(want_null)),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::measure::{Column, Field, parse_measures};

    fn set(fields: &[(&str, FieldKind)]) -> RecordSet {
        RecordSet::from_columns(
            "orders",
            fields
                .iter()
                .map(|(n, k)| (Field::new(*n, *k), Column::empty(*k)))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn compiled_measures_bind_only_to_their_schemas() {
        let measures = parse_measures(
            r#"[{"indicator": "sales", "measure": {"records": "orders", "subject": "rep",
              "time": "at", "filter": [{"field": "rep", "op": "in", "values": ["b", "a", "b"]}],
              "value": {"type": "sum", "field": "amount"}}}]"#,
        )
        .unwrap();
        let declared = set(&[
            ("rep", FieldKind::Text),
            ("at", FieldKind::Timestamp),
            ("amount", FieldKind::Decimal),
        ]);
        let schemas = [("orders", declared.schema())];
        let bases = ["indicators[3].measure".to_string()];
        let compiled =
            CompiledMeasures::compile(&measures, &bases, &schemas, UtcOffset::UTC, Vec::new())
                .unwrap();
        let mut sets = RecordSets::new();
        sets.insert(declared.clone()).unwrap();
        let bound = compiled.bind(&sets).unwrap();
        assert_eq!(bound.nodes.len(), 1);
        assert_eq!(bound.subject_columns.len(), 1);
        let Node::Leaf(leaf) = &bound.nodes[0] else {
            unreachable!()
        };
        assert_eq!(leaf.path, "indicators[3].measure.value");
        let mut other = RecordSets::new();
        other
            .insert(set(&[
                ("at", FieldKind::Timestamp),
                ("rep", FieldKind::Text),
                ("amount", FieldKind::Decimal),
            ]))
            .unwrap();
        assert!(compiled.bind(&other).is_none());
        assert!(compiled.bind(&RecordSets::new()).is_none());
        let issues = CompiledMeasures::compile(&measures, &bases, &[], UtcOffset::UTC, Vec::new())
            .unwrap_err();
        assert_eq!(issues[0].path.to_string(), "indicators[3].measure.records");
        assert_eq!(
            issues[0].message,
            "there is no record set 'orders' (given: none)"
        );
    }
}
