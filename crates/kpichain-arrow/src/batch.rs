//! A wide table read straight into the core's columnar batch ([`ColumnBatch`]): `decimal128`
//! columns by their mantissas, other numbers through the core's one number policy
//! ([`Cell::number`]), with no row-by-row intake.
//!
//! Only the plain case is read here: a `subject` and a `role` column, optionally `bonus_base`,
//! and the rest indicator columns of the plan, every cell a valid number or empty. Anything
//! else — another column (a name, a unit, targets), a bad cell, an empty id — gives `None`,
//! and the caller reads the table through [`crate::intake`], which reports every problem
//! where it is, or reads what a column batch does not hold.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use kpichain::{Cell, ColumnBatch, CompiledPlan};

use crate::{Column, Table};

/// Reads `table` (wide actuals with their assignments) as a batch for `plan`; `None` when it
/// is not the plain case (see the module).
pub fn wide(
    plan: &Arc<CompiledPlan>,
    table: &Table,
    period: Option<String>,
    nan_is_missing: bool,
) -> Option<ColumnBatch> {
    if plan.reads_more_than_actuals() {
        return None;
    }
    let fields = table.schema.fields();
    let mut batch = ColumnBatch::new(plan.clone());
    batch.set_period(period);
    // Each column: what it is.
    enum Kind {
        Subject,
        RoleId,
        Bonus,
        Indicator(usize),
        Skip,
    }
    let mut kinds = Vec::with_capacity(fields.len());
    let (mut subject, mut role) = (None, None);
    for (k, f) in fields.iter().enumerate() {
        let kind = match f.name().as_str() {
            "subject" => {
                subject = Some(k);
                Kind::Subject
            }
            "role" => {
                role = Some(k);
                Kind::RoleId
            }
            "bonus_base" => Kind::Bonus,
            // What pandas adds for a non-default index.
            name if name.starts_with("__index_level_") && name.ends_with("__") => Kind::Skip,
            name => Kind::Indicator(batch.indicator(name)?),
        };
        kinds.push(kind);
    }
    let (subject, role) = (subject?, role?);
    let rows: usize = table.batches.iter().map(|b| b.num_rows()).sum();
    batch.reserve(rows);
    let mut first = 0usize;
    for rb in &table.batches {
        let (ids, roles) = (rb.columns().get(subject)?, rb.columns().get(role)?);
        match (texts(ids), texts(roles)) {
            // Text columns read in place (a blank id or role is the intake's to report).
            (Some(ids), Some(roles)) => {
                for (id, r) in ids.zip(roles) {
                    let (id, r) = (id?, r?);
                    if id.trim().is_empty() || r.trim().is_empty() {
                        return None;
                    }
                    batch.push_subject(id, r);
                }
            }
            _ => {
                let (ids, roles) = (Column::new(ids), Column::new(roles));
                for i in 0..rb.num_rows() {
                    let id = ids.get(i).text().ok()??;
                    let r = roles.get(i).text().ok()??;
                    batch.push_subject(&id, &r);
                }
            }
        }
        for (kind, col) in kinds.iter().zip(rb.columns()) {
            match kind {
                Kind::Indicator(ind) => values(&mut batch, *ind, first, col, nan_is_missing)?,
                Kind::Bonus => {
                    let c = Column::new(col);
                    for i in 0..rb.num_rows() {
                        if let Some(v) = c.get(i).number().ok()? {
                            batch.set_bonus_base(first.checked_add(i)?, v);
                        }
                    }
                }
                Kind::Subject | Kind::RoleId | Kind::Skip => {}
            }
        }
        first = first.checked_add(rb.num_rows())?;
    }
    Some(batch)
}

/// One indicator column's cells into the batch, rows `first..`.
fn values(
    batch: &mut ColumnBatch,
    indicator: usize,
    first: usize,
    col: &ArrayRef,
    nan_is_missing: bool,
) -> Option<()> {
    if let (DataType::Decimal128(_, s), Some(a)) =
        (col.data_type(), col.as_primitive_opt::<Decimal128Type>())
    {
        let scale = u32::try_from(*s).ok().filter(|&s| s <= 28)?;
        for (i, v) in a.iter().enumerate() {
            if let Some(m) = v {
                let at = first.checked_add(i)?;
                match i64::try_from(m) {
                    Ok(m) => {
                        if !batch.set_fixed(indicator, at, m, scale) {
                            return None;
                        }
                    }
                    Err(_) => batch.set(
                        indicator,
                        at,
                        Cell::Decimal { mantissa: m, scale }.number().ok()??,
                    ),
                }
            }
        }
        return Some(());
    }
    let c = Column::new(col);
    for i in 0..col.len() {
        let cell = match c.get(i) {
            Cell::Float(f) if f.is_nan() && nan_is_missing => Cell::Null,
            cell => cell,
        };
        if let Some(v) = cell.number().ok()? {
            batch.set(indicator, first.checked_add(i)?, v);
        }
    }
    Some(())
}

/// Reads an assignments table and a wide actuals table (`subject` and indicator columns) as a
/// batch for `plan`, when the actuals' rows are the assignments' subjects in the same order;
/// `None` otherwise (the intake then joins them by subject, and reports what is wrong).
pub fn wide_pair(
    plan: &Arc<CompiledPlan>,
    assignments: &Table,
    actuals: &Table,
    period: Option<String>,
    nan_is_missing: bool,
) -> Option<ColumnBatch> {
    // Beside an actuals table, the assignments' other columns are attributes: not here.
    let plain = (assignments.schema.fields().iter()).all(|f| {
        let name = f.name().as_str();
        matches!(name, "subject" | "role" | "bonus_base")
            || (name.starts_with("__index_level_") && name.ends_with("__"))
    });
    if !plain {
        return None;
    }
    let mut batch = wide(plan, assignments, period, nan_is_missing)?;
    // Each actuals column: the subject (None) or an indicator; nothing else.
    let mut kinds: Vec<Option<Option<usize>>> = Vec::new();
    let mut subject = None;
    for (k, f) in actuals.schema.fields().iter().enumerate() {
        let name = f.name().as_str();
        kinds.push(match name {
            "subject" => {
                subject = Some(k);
                Some(None)
            }
            _ if name.starts_with("__index_level_") && name.ends_with("__") => None,
            _ => Some(Some(batch.indicator(name)?)),
        });
    }
    let subject = subject?;
    let mut first = 0usize;
    for rb in &actuals.batches {
        let ids = Column::new(rb.columns().get(subject)?);
        for i in 0..rb.num_rows() {
            let id = ids.get(i).text().ok()??;
            if id != batch.subject(first.checked_add(i)?) || first.checked_add(i)? >= batch.len() {
                return None;
            }
        }
        for (kind, col) in kinds.iter().zip(rb.columns()) {
            if let Some(Some(ind)) = kind {
                values(&mut batch, *ind, first, col, nan_is_missing)?;
            }
        }
        first = first.checked_add(rb.num_rows())?;
    }
    (first == batch.len()).then_some(batch)
}

/// The values of a text column (Arrow `Utf8`, `LargeUtf8` or `Utf8View`), `None` for a null;
/// `None` for a column of another type.
fn texts(col: &ArrayRef) -> Option<Box<dyn Iterator<Item = Option<&str>> + '_>> {
    match col.data_type() {
        DataType::Utf8 => Some(Box::new(col.as_string_opt::<i32>()?.iter())),
        DataType::LargeUtf8 => Some(Box::new(col.as_string_opt::<i64>()?.iter())),
        DataType::Utf8View => Some(Box::new(col.as_string_view_opt()?.iter())),
        _ => None,
    }
}
