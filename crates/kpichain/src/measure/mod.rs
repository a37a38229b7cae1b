//! Measures (取数口径): deriving indicators' actuals from raw business records instead of
//! having them supplied.
//!
//! A caller fills [`RecordSet`]s (CRM orders, ERP deliveries, OA approvals) from text rows
//! with a [`RecordSetBuilder`] or from typed columns with [`RecordSet::from_columns`]; a
//! [`MeasureDef`] per indicator says how its actual is derived (`count`, `sum`, `avg`, `min`,
//! `max`, `distinct_count`, `share`, `duration`, `ratio`, `growth`); [`derive_actuals`] gives
//! one [`Actual`](crate::Actual) per subject for a [`Period`], plus a [`DeriveReport`].
//!
//! Semantics, exactly:
//! - **Periods** are half-open, `[first local midnight, next period's first local midnight)`
//!   in the plan's fixed [`UtcOffset`]; a record exactly on a boundary is in the later period.
//!   Date fields are placed by their calendar day, without a time zone.
//! - **Numbers** are exact decimals. Sums, counts, minima and maxima are exact; a quotient
//!   (`avg`, `share`, `ratio`, `growth`, `duration` hours) is exact when it terminates within
//!   28 significant digits and is cut there otherwise, and has no trailing zeros. A measure's
//!   `scale` rounds its value explicitly with its `rounding` mode (default half-up).
//! - **Undefined values** (a zero denominator, a zero base, an average of nothing) give no
//!   actual and a note naming the subjects; the plan's missing-data policy applies later.
//! - **Missing values** never match a comparison, are skipped by aggregations, and are
//!   counted in notes; records are never silently dropped.
//! - **Subjects** are grouped by dictionary code: each distinct subject string is hashed once
//!   per record set, never once per record.
//!
//! ```
//! use kpichain::measure::*;
//! let tz: UtcOffset = "+08:00".parse().unwrap();
//! let schema = Schema::new(vec![
//!     Field::new("buyer", FieldKind::Text),
//!     Field::new("promised_at", FieldKind::Timestamp),
//!     Field::new("delivered_at", FieldKind::Timestamp).optional(),
//! ])?;
//! let mut deliveries = RecordSetBuilder::new("deliveries", schema, tz);
//! for row in [
//!     ["P1", "2022-03-01 10:00", "2022-03-02 09:00"], // 23 h late: on time
//!     ["P1", "2022-03-05 10:00", "2022-03-06 11:00"], // 25 h late
//!     ["P1", "2022-03-09 10:00", "2022-03-08 16:00"], // early
//!     ["P1", "2022-03-20 10:00", ""],                 // not delivered yet
//! ] {
//!     deliveries.push_row(&row, None);
//! }
//! let mut records = RecordSets::new();
//! records.insert(deliveries.finish())?;
//! let measures = parse_measures(r#"[{
//!   "indicator": "on_time_supply_rate",
//!   "measure": {
//!     "records": "deliveries", "subject": "buyer", "time": "promised_at",
//!     "value": {"type": "share", "condition": [
//!       {"field": "delivered_at", "op": "le", "other_field": "promised_at", "plus": "24h"}]},
//!     "scale": 2
//!   }
//! }]"#)?;
//! let derived = derive_actuals(&measures, &records, &"2022-03".parse().unwrap(), &DeriveOptions::new(tz))?;
//! assert_eq!(derived.actuals[0].value.to_string(), "50.00"); // 2 of 4 deliveries
//! # Ok::<(), kpichain::InputError>(())
//! ```

mod builder;
mod def;
mod derive;
mod exec;
mod records;
mod report;
mod request;
mod resolve;
mod time;

pub use builder::{RecordCell, RecordSetBuilder};
pub use def::{
    Calc, CompareOp, Condition, CountCalc, DurationCalc, FieldCalc, GrowthBase, GrowthCalc,
    Literal, Measure, MeasureDef, RatioCalc, ShareCalc, Statistic, measures_schema, parse_measures,
};
pub use derive::derive_actuals;
pub(crate) use derive::{PlanMeasures, derive_grouped, derive_plan, subject_fields};
pub use records::{
    BadRecord, CellProblem, Column, Field, FieldKind, RecordSet, RecordSets, Schema, TextColumn,
};
pub use report::{
    BadRecordPolicy, DeriveOptions, DeriveReport, Derived, MeasureNote, MeasureReport,
    RecordSetReport,
};
pub use request::{DeriveRequest, RowSet, derive_json, derive_request};
pub(crate) use resolve::CompiledMeasures;
pub use time::{Period, PeriodKind, UtcOffset, parse_boolean, parse_date, parse_timestamp};
