//! `NativeBatch`: a batch taken in from JavaScript values without JSON text. The JavaScript
//! wrapper hands it the batch's columns (or rows) slice by slice; each call only copies the
//! values ([`crate::cells`]). Reading them — the one number policy, ids, every problem at its
//! path — is the core's [`IntakeBuilder`], run with the scoring by [`NativeBatch::finish`] on
//! the calling thread or by [`NativeBatch::finish_async`] on the libuv thread pool.
//!
//! Columns are the rows they stand for: position `i` of every assignment column is the
//! assignment row `assignments[i]` and position `i` of every actuals column (with `subjects`)
//! the wide actuals row `actuals[i]`, so a bad value is reported where `score` reports it
//! for the same data given as rows (`actuals[12].revenue`), and where a data frame reports it
//! in Python.

use crate::batch_result::{NativeBatchResult, Scored};
use crate::cells::{Failed, Js, Names, Row, Value};
use crate::failure::{Failure, Outcome, guard, run};
use kpichain::{Cell, Code, ColumnBatch, IntakeBuilder, Issue, Path, Scheme};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The lists of a batch, in the order the core reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Assignments,
    Targets,
    Actuals,
    Units,
}

impl List {
    fn of(name: &str) -> Option<List> {
        match name {
            "assignments" => Some(List::Assignments),
            "actuals" => Some(List::Actuals),
            "targets" => Some(List::Targets),
            "units" => Some(List::Units),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            List::Assignments => "assignments",
            List::Actuals => "actuals",
            List::Targets => "targets",
            List::Units => "units",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a batch has received so far.
#[derive(Debug, Default)]
struct Collected {
    period: Option<Value>,
    /// Assignment columns (`subject`, `role`, `bonus_base`, attributes…) by the core's field names.
    assignment_columns: Vec<(String, Vec<Value>)>,
    /// Actuals columns by indicator id, aligned with the `subject` assignment column.
    actual_columns: Vec<(String, Vec<Value>)>,
    /// Rows of each list, in the order of [`List`].
    rows: [Vec<Row>; 4],
    /// Lists given as something other than an array: the type's name.
    not_lists: Vec<(List, &'static str)>,
    /// Record sets by name: their rows, or what was given instead of a list.
    records: Vec<(String, std::result::Result<Vec<Row>, &'static str>)>,
    names: Names,
}

/// A batch being taken in: columns or rows, added in slices, then scored once.
#[napi]
pub struct NativeBatch {
    scheme: Scheme,
    collected: Option<Collected>,
}

impl NativeBatch {
    pub(crate) fn new(scheme: Scheme) -> NativeBatch {
        NativeBatch {
            scheme,
            collected: Some(Collected::default()),
        }
    }

    fn open(&mut self) -> Outcome<&mut Collected> {
        self.collected.as_mut().ok_or_else(|| {
            Failure::internal("this batch was scored already; start a new one for more data")
        })
    }
}

fn read_failed(e: Failed) -> Failure {
    Failure::internal(format!(
        "could not read a JavaScript value ({}); a getter may have thrown",
        e.0
    ))
}

/// The name of a value's type, for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Text(_) => "string",
        Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        Value::Other(t) => t,
    }
}

fn list_of(name: &str) -> Outcome<List> {
    List::of(name).ok_or_else(|| Failure::internal(format!("no list named '{name}'")))
}

/// The slice `from..to` of an array of `len` values (clamped).
fn bounds(len: u32, from: Option<u32>, to: Option<u32>) -> (u32, u32) {
    let to = to.unwrap_or(len).min(len);
    (from.unwrap_or(0).min(to), to)
}

#[napi]
impl NativeBatch {
    /// The period assessed (`2022-03`): any JavaScript value, read as the core reads one.
    #[napi(catch_unwind, ts_args_type = "period: unknown")]
    pub fn period(&mut self, env: Env, period: Unknown<'_>) -> Result<()> {
        let js = Js::new(env.raw());
        run(&env, || {
            let value = js.value(period.raw()).map_err(read_failed)?;
            self.open()?.period = Some(value);
            Ok(())
        })
    }

    /// Appends `values[from..to]` to the column `name` of `list` (`assignments`: a field of
    /// the assignment rows, by the core's name — `subject`, `role`, `bonus_base`, an
    /// attribute; `actuals`: an indicator id). Returns how many values the column now holds.
    #[napi(
        catch_unwind,
        ts_args_type = "list: 'assignments' | 'actuals', name: string, values: unknown[], from?: number | undefined | null, to?: number | undefined | null"
    )]
    pub fn column(
        &mut self,
        env: Env,
        list: String,
        name: String,
        values: Unknown<'_>,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<u32> {
        let js = Js::new(env.raw());
        run(&env, || {
            let list = list_of(&list)?;
            let len = js
                .column_len(values.raw())
                .map_err(read_failed)?
                .ok_or_else(|| Failure::internal(format!("the column '{name}' is not an array")))?;
            let (from, to) = bounds(len, from, to);
            let column = self.column_of(list, name)?;
            // The whole column's room at once: columns fed in slices would otherwise all grow
            // (and copy) in the same slice, a long pause on the main thread.
            column.reserve_exact(
                usize::try_from(len)
                    .unwrap_or(0)
                    .saturating_sub(column.len()),
            );
            js.values(values.raw(), from, to, column)
                .map_err(read_failed)?;
            Ok(u32::try_from(column.len()).unwrap_or(u32::MAX))
        })
    }

    /// Appends numbers to the column `name` of `list`, as `column` does for an array of
    /// numbers and no-values: `numbers[i]` is a number, unless `missing[i]` is 1 (no value).
    /// The JavaScript wrapper sends a slice of an array this way when every value in it is a
    /// number, `null` or `undefined`, so that they cross without a lookup each. `total` is the
    /// whole column's length (its room is taken at once).
    #[napi(
        catch_unwind,
        ts_args_type = "list: 'assignments' | 'actuals', name: string, total: number, numbers: Float64Array, missing?: Uint8Array | undefined | null"
    )]
    pub fn numbers(
        &mut self,
        env: Env,
        list: String,
        name: String,
        total: u32,
        numbers: Unknown<'_>,
        missing: Option<Unknown<'_>>,
    ) -> Result<u32> {
        let js = Js::new(env.raw());
        run(&env, || {
            let list = list_of(&list)?;
            let mut values = Vec::new();
            js.values(numbers.raw(), 0, u32::MAX, &mut values)
                .map_err(read_failed)?;
            if let Some(missing) = missing {
                let mut marks = Vec::new();
                js.values(missing.raw(), 0, u32::MAX, &mut marks)
                    .map_err(read_failed)?;
                for (v, m) in values.iter_mut().zip(&marks) {
                    if *m != Value::Float(0.0) {
                        *v = Value::Null;
                    }
                }
            }
            let column = self.column_of(list, name)?;
            column.reserve_exact(
                usize::try_from(total)
                    .unwrap_or(0)
                    .saturating_sub(column.len())
                    .max(values.len()),
            );
            column.extend(values);
            Ok(u32::try_from(column.len()).unwrap_or(u32::MAX))
        })
    }

    /// Appends `count` texts to the column `name` of `list`, given end to end in `joined`,
    /// separated by U+0000, as `column` does for an array of strings and no-values (`missing[i]`
    /// is 1 for no value). The JavaScript wrapper sends a slice of an array of strings this
    /// way: one string crosses instead of one per value. Returns `false`, appending nothing,
    /// when `joined` does not split into `count` parts (a text holding U+0000 itself); the
    /// wrapper then sends the slice value by value.
    #[napi(
        catch_unwind,
        ts_args_type = "list: 'assignments' | 'actuals', name: string, total: number, joined: string, count: number, missing?: Uint8Array | undefined | null"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn texts(
        &mut self,
        env: Env,
        list: String,
        name: String,
        total: u32,
        joined: String,
        count: u32,
        missing: Option<Unknown<'_>>,
    ) -> Result<bool> {
        let js = Js::new(env.raw());
        run(&env, || {
            let list = list_of(&list)?;
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            if joined.split('\u{0}').count() != count.max(1) {
                return Ok(false);
            }
            let mut marks = Vec::new();
            if let Some(missing) = missing {
                js.values(missing.raw(), 0, u32::MAX, &mut marks)
                    .map_err(read_failed)?;
            }
            let column = self.column_of(list, name)?;
            column.reserve_exact(
                usize::try_from(total)
                    .unwrap_or(0)
                    .saturating_sub(column.len())
                    .max(count),
            );
            if count == 0 {
                return Ok(true);
            }
            for (i, part) in joined.split('\u{0}').enumerate() {
                let absent = marks.get(i).is_some_and(|m| *m != Value::Float(0.0));
                column.push(if absent {
                    Value::Null
                } else {
                    Value::Text(part.into())
                });
            }
            Ok(true)
        })
    }

    /// Appends the rows `rows[from..to]` of `list` (`assignments`, `actuals` — long or wide —,
    /// `targets`, `units`), each an object as `score` takes it. A value that is not an array is
    /// kept as the list's problem (the core reports it). Returns how many rows the list holds.
    #[napi(
        catch_unwind,
        ts_args_type = "list: 'assignments' | 'actuals' | 'targets' | 'units', rows: unknown, from?: number | undefined | null, to?: number | undefined | null"
    )]
    pub fn rows(
        &mut self,
        env: Env,
        list: String,
        rows: Unknown<'_>,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<u32> {
        let js = Js::new(env.raw());
        run(&env, || {
            let list = list_of(&list)?;
            let collected = self.open()?;
            let Some(len) = js.array_len(rows.raw()).map_err(read_failed)? else {
                let what = type_name(&js.value(rows.raw()).map_err(read_failed)?);
                if what != "null" {
                    collected.not_lists.push((list, what));
                }
                return Ok(0);
            };
            let (from, to) = bounds(len, from, to);
            let Collected {
                rows: lists, names, ..
            } = collected;
            let Some(out) = lists.get_mut(list.index()) else {
                return Err(Failure::internal("list lost"));
            };
            out.reserve_exact(usize::try_from(len).unwrap_or(0).saturating_sub(out.len()));
            js.rows(rows.raw(), from, to, names, out)
                .map_err(read_failed)?;
            Ok(u32::try_from(out.len()).unwrap_or(u32::MAX))
        })
    }

    /// Appends the records `rows[from..to]` of the record set `name` (each an object of field
    /// values, as `score` takes them; Dates and non-finite numbers already written as text by
    /// the JavaScript wrapper). Returns how many records the set holds.
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, rows: unknown, from?: number | undefined | null, to?: number | undefined | null"
    )]
    pub fn records(
        &mut self,
        env: Env,
        name: String,
        rows: Unknown<'_>,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<u32> {
        let js = Js::new(env.raw());
        run(&env, || {
            let collected = self.open()?;
            let at = match collected.records.iter().position(|(n, _)| *n == name) {
                Some(at) => at,
                None => {
                    collected
                        .records
                        .push((name, std::result::Result::Ok(Vec::new())));
                    collected.records.len().saturating_sub(1)
                }
            };
            let Collected { records, names, .. } = collected;
            let Some((_, set)) = records.get_mut(at) else {
                return Err(Failure::internal("record set lost"));
            };
            let Some(len) = js.array_len(rows.raw()).map_err(read_failed)? else {
                *set = std::result::Result::Err(type_name(
                    &js.value(rows.raw()).map_err(read_failed)?,
                ));
                return Ok(0);
            };
            let std::result::Result::Ok(out) = set else {
                return Ok(0);
            };
            let (from, to) = bounds(len, from, to);
            out.reserve_exact(usize::try_from(len).unwrap_or(0).saturating_sub(out.len()));
            js.rows(rows.raw(), from, to, names, out)
                .map_err(read_failed)?;
            Ok(u32::try_from(out.len()).unwrap_or(u32::MAX))
        })
    }

    /// Reads and scores everything received, on the calling thread.
    #[napi(catch_unwind)]
    pub fn finish(&mut self, env: Env) -> Result<NativeBatchResult> {
        let scheme = self.scheme.clone();
        run(&env, || {
            let collected = self.take()?;
            score(&scheme, collected).map(NativeBatchResult::new)
        })
    }

    /// Reads and scores everything received on the libuv thread pool; the Promise resolves
    /// to the result. The batch is empty afterwards.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeBatchResult>")]
    pub fn finish_async(&mut self, env: Env) -> Result<AsyncTask<BatchTask>> {
        let scheme = self.scheme.clone();
        let collected = run(&env, || self.take())?;
        Ok(AsyncTask::new(BatchTask {
            scheme,
            collected: Some(collected),
        }))
    }
}

impl NativeBatch {
    /// The column `name` of `list`, created empty when new.
    fn column_of(&mut self, list: List, name: String) -> Outcome<&mut Vec<Value>> {
        let columns = match list {
            List::Assignments => &mut self.open()?.assignment_columns,
            List::Actuals => &mut self.open()?.actual_columns,
            _ => {
                return Err(Failure::internal(
                    "only assignments and actuals have columns",
                ));
            }
        };
        let at = match columns.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                columns.push((name, Vec::new()));
                columns.len().saturating_sub(1)
            }
        };
        columns
            .get_mut(at)
            .map(|(_, column)| column)
            .ok_or_else(|| Failure::internal("column lost"))
    }

    fn take(&mut self) -> Outcome<Collected> {
        self.collected.take().ok_or_else(|| {
            Failure::internal("this batch was scored already; start a new one for more data")
        })
    }
}

/// Reading and scoring a batch on the libuv thread pool.
pub struct BatchTask {
    scheme: Scheme,
    collected: Option<Collected>,
}

impl Task for BatchTask {
    type Output = Outcome<Scored>;
    type JsValue = NativeBatchResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let collected = self.collected.take().unwrap_or_default();
        Ok(guard(|| score(&self.scheme, collected)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output
            .map(NativeBatchResult::new)
            .map_err(|f| f.into_napi(&env))
    }
}

/// The batch scored: in the core's columnar kernel when it is the plain case (see
/// [`kernel_batch`]), else through the core's intake; an error is always the intake's, with
/// its paths.
fn score(scheme: &Scheme, c: Collected) -> Outcome<Scored> {
    if let Some(batch) = kernel_batch(scheme, &c)
        && let Ok(scores) = batch.score()
    {
        return Ok(Scored::columns(scores, scheme.clone()));
    }
    let mut b = IntakeBuilder::new();
    b.indicators(scheme.indicator_ids());
    b.period(c.period.as_ref().map_or(Cell::Null, Value::cell));
    for (list, what) in &c.not_lists {
        let name = list.name();
        b.issue(Issue::new(
            Code::InvalidType,
            Path::root().key(name),
            format!("{name} must be a list of rows (objects), not a {what}"),
        ));
    }
    feed_columns(&mut b, &c);
    for list in [List::Assignments, List::Targets, List::Actuals, List::Units] {
        feed_rows(&mut b, list, &c);
    }
    feed_records(&mut b, &c);
    // The builder holds what it read: the copies go before the results are built.
    drop(c);
    let intake = b.finish()?;
    let evaluation = scheme.evaluate_intake(&intake)?;
    Ok(Scored::new(evaluation, scheme.clone()))
}

/// The batch as the core's [`ColumnBatch`] when it is the plain case — a plan (not
/// versions), columns only (`subject`, `role`, optionally `bonus_base`, and actuals named
/// after the plan's indicators), every id a text and every value a number or empty — else
/// `None`, and the intake reads it.
fn kernel_batch(scheme: &Scheme, c: &Collected) -> Option<ColumnBatch> {
    let plan = scheme.as_plan()?;
    if !c.not_lists.is_empty() || c.rows.iter().any(|r| !r.is_empty()) || !c.records.is_empty() {
        return None;
    }
    let (mut subjects, mut roles, mut bonus) = (None, None, None);
    for (name, column) in &c.assignment_columns {
        match name.as_str() {
            "subject" => subjects = Some(column),
            "role" => roles = Some(column),
            "bonus_base" => bonus = Some(column),
            _ => return None,
        }
    }
    let (subjects, roles) = (subjects?, roles?);
    let n = subjects.len();
    if roles.len() != n || bonus.is_some_and(|b| b.len() != n) {
        return None;
    }
    let mut batch = ColumnBatch::new(plan.clone());
    let period = match &c.period {
        None => None,
        Some(v) => v.cell().text().ok()?.map(|t| t.into_owned()),
    };
    batch.set_period(period);
    batch.reserve(n);
    for (s, r) in subjects.iter().zip(roles) {
        let id = s.cell().text().ok()??;
        let role = r.cell().text().ok()??;
        batch.push_subject(&id, &role);
    }
    for (name, column) in &c.actual_columns {
        let ind = batch.indicator(name)?;
        if column.len() > n {
            return None;
        }
        for (i, v) in column.iter().enumerate() {
            if let Some(d) = v.cell().number().ok()? {
                batch.set(ind, i, d);
            }
        }
    }
    if let Some(bonus) = bonus {
        for (i, v) in bonus.iter().enumerate() {
            if let Some(d) = v.cell().number().ok()? {
                batch.set_bonus_base(i, d);
            }
        }
    }
    Some(batch)
}

/// The cell at position `i` of a column (no value past its end).
fn cell(column: &[Value], i: usize) -> Cell<'_> {
    column.get(i).map_or(Cell::Null, Value::cell)
}

/// Columns, fed as the rows they stand for: assignment `i` from position `i` of every
/// assignment column, then the wide actuals row `i` (its subject and every actuals column).
fn feed_columns(b: &mut IntakeBuilder, c: &Collected) {
    if c.assignment_columns.is_empty() && c.actual_columns.is_empty() {
        return;
    }
    let names: Vec<&str> = c
        .assignment_columns
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    if !b.columns("assignments", &names) {
        return;
    }
    let rows = c
        .assignment_columns
        .iter()
        .map(|(_, v)| v.len())
        .max()
        .unwrap_or(0);
    let mut fields: Vec<(&str, Cell<'_>)> = Vec::with_capacity(names.len());
    for i in 0..rows {
        fields.clear();
        fields.extend((c.assignment_columns.iter()).map(|(n, v)| (n.as_str(), cell(v, i))));
        b.assignment(i, None, &fields);
    }
    if c.actual_columns.is_empty() {
        return;
    }
    let subjects: &[Value] = c
        .assignment_columns
        .iter()
        .find(|(n, _)| n == "subject")
        .map_or(&[], |(_, v)| v);
    let mut header: Vec<&str> = vec!["subject"];
    header.extend(c.actual_columns.iter().map(|(n, _)| n.as_str()));
    b.columns("actuals", &header);
    for i in 0..rows {
        fields.clear();
        fields.push(("subject", cell(subjects, i)));
        fields.extend((c.actual_columns.iter()).map(|(n, v)| (n.as_str(), cell(v, i))));
        b.actual(i, None, &fields);
    }
}

/// The rows of `list`, each fed as an object's fields; a row that is not an object is an
/// `invalid_type` at its place.
fn feed_rows(b: &mut IntakeBuilder, list: List, c: &Collected) {
    let Some(rows) = c.rows.get(list.index()) else {
        return;
    };
    let mut fields: Vec<(&str, Cell<'_>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row {
            Row::Not(what) => b.issue(Issue::new(
                Code::InvalidType,
                Path::root().key(list.name()).index(i),
                format!("a row of {} must be an object, not a {what}", list.name()),
            )),
            Row::Fields(values) => {
                fields.clear();
                fields.extend(values.iter().map(|(id, v)| (c.names.name(*id), v.cell())));
                match list {
                    List::Assignments => b.assignment(i, None, &fields),
                    List::Actuals => b.actual(i, None, &fields),
                    List::Targets => b.target(i, None, &fields),
                    List::Units => b.unit(i, None, &fields),
                }
            }
        }
    }
}

/// Record sets, as the JSON objects the core reads records from (`score` sends the same
/// values as JSON text): a number by its digits (a whole number without a fraction), text,
/// booleans, no value as `null`.
fn feed_records(b: &mut IntakeBuilder, c: &Collected) {
    for (name, set) in &c.records {
        let at = Path::root().key("records").key(name.as_str());
        let rows = match set {
            Ok(rows) => rows,
            Err(what) => {
                b.issue(Issue::new(
                    Code::InvalidType,
                    at,
                    format!(
                        "the records of '{name}' must be a list of rows (objects), not a {what}"
                    ),
                ));
                continue;
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            match row {
                Row::Not(what) => b.issue(Issue::new(
                    Code::InvalidType,
                    at.clone().index(i),
                    format!("a record of '{name}' must be an object, not a {what}"),
                )),
                Row::Fields(values) => out.push(
                    values
                        .iter()
                        .map(|(id, v)| (c.names.name(*id).to_string(), json_value(v)))
                        .collect(),
                ),
            }
        }
        b.records(name, out);
    }
}

/// A value as `JSON.stringify` writes it, read back as JSON.
fn json_value(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Text(t) => J::String(t.to_string()),
        Value::Bool(b) => J::Bool(*b),
        Value::Float(f) if f.is_nan() => J::String("NaN".to_string()),
        Value::Float(f) if f.is_infinite() => {
            J::String(if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_string())
        }
        // A whole number within the exact range of a double, without a fraction: `5`, not `5.0`.
        #[allow(clippy::cast_possible_truncation)]
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
            J::Number(serde_json::Number::from(*f as i64))
        }
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Other("array") => J::Array(Vec::new()),
        Value::Other(_) => J::Object(serde_json::Map::new()),
    }
}
