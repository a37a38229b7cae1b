//! What changed between two versions of a plan (方案变更), as data and as text.
//!
//! [`diff_plans`] compares two [`Plan`]s and returns a [`PlanDiff`]: one [`Change`] per added or
//! removed entity and per changed field, each with its JSON path, the values before and after
//! (decimals as exact strings) and a sentence using the plan's own names. `Display` renders
//! the whole diff as text.
//!
//! How the plans are compared:
//!
//! - Entities are matched by identity, never by position: indicators, roles, adjustments,
//!   vetoes and role variants by `id`, items by [`Item::key`](crate::Item::key) (their `id`,
//!   else their indicator), grades by their `grade` name. Changing an identity is a removal
//!   plus an addition. Moving an entity within its list is not reported.
//! - Every other field is compared by value and reported by name, so fields added to the plan
//!   format later are reported without changes here. Nested objects are compared field by
//!   field (`rule.cap`, `rounding.item_scale`), except that an object whose `type` changed
//!   (a score rule of another type) is reported whole. Lists that are not matched by identity
//!   (a rule's `bands`, a lookup's `rows`) are reported whole when anything in them changed,
//!   including their order.
//! - Decimals are compared by value: `50` and `50.0` are the same weight.
//! - The plans' `id` and `version` are not changes: they are [`PlanDiff::from`] and
//!   [`PlanDiff::to`].
//!
//! Changes come in plan order: plan fields, then indicators, roles (each role's fields, then its
//! items, adjustments and vetoes), plan-wide adjustments and vetoes, and grades; within a list,
//! removed entities first (in their old order), then changed and added ones in their new order.

use crate::model::Plan;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Text values longer than this many characters (descriptions) are only said to have changed
/// in the text rendering; the JSON carries them in full.
const LONG_TEXT: usize = 80;

/// Which plan version a side of a diff is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VersionRef {
    /// The plan's id.
    pub id: String,
    /// The plan's version label.
    pub version: String,
    /// `sha256:` and the hex SHA-256 of the plan's canonical JSON: the fingerprint results
    /// carry once the plan is compiled.
    pub fingerprint: String,
}

impl VersionRef {
    fn of(plan: &Plan) -> VersionRef {
        VersionRef {
            id: plan.id.clone(),
            version: plan.version.clone(),
            fingerprint: crate::compile::fingerprint(plan),
        }
    }
}

/// Whether an entity appeared, disappeared or had a field changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The entity (indicator, role, item, …) is new; `after` holds it.
    Added,
    /// The entity is gone; `before` holds it.
    Removed,
    /// A field changed; `before` and `after` hold its values (absent when the field was not
    /// set on that side).
    Changed,
}

/// The part of the plan a change belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// A plan-level field (`name`, `effective_from`, `description`, …).
    Plan,
    /// The plan's rounding policy.
    Rounding,
    /// The plan's missing-data policy.
    MissingData,
    /// An indicator of the library.
    Indicator,
    /// A role (its own fields, or the role added or removed).
    Role,
    /// A variant of a role's scorecard.
    Variant,
    /// A scorecard item.
    Item,
    /// An adjustment, plan-wide or of a role.
    Adjustment,
    /// A veto, plan-wide or of a role.
    Veto,
    /// A step of the grade scale.
    Grade,
}

impl Section {
    /// The section's name as serialized (`missing_data`).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Plan => "plan",
            Section::Rounding => "rounding",
            Section::MissingData => "missing_data",
            Section::Indicator => "indicator",
            Section::Role => "role",
            Section::Variant => "variant",
            Section::Item => "item",
            Section::Adjustment => "adjustment",
            Section::Veto => "veto",
            Section::Grade => "grade",
        }
    }
}

/// One difference between two plans.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// The part of the plan.
    pub section: Section,
    /// JSON path of the entity or field, in the new plan (in the old plan for a removal),
    /// e.g. `roles[2].items[0].weight`.
    pub path: String,
    /// The id of the role the change is in.
    pub role: Option<String>,
    /// The key of the item the change is in (its `id`, else its indicator).
    pub item: Option<String>,
    /// The id of the indicator, adjustment, veto or variant the change is in (the innermost
    /// one), or the grade's name.
    pub id: Option<String>,
    /// The changed field, dotted for nested fields (`weight`, `rule.cap`,
    /// `rounding.item_scale`); absent when a whole entity was added or removed.
    pub field: Option<String>,
    /// The old value or entity, as in the plan's JSON (decimals as exact strings).
    pub before: Option<Value>,
    /// The new value or entity.
    pub after: Option<Value>,
    /// The change in words, with the plan's names, as `Display` prints it, e.g.
    /// `roles[2] purchasing_manager (采购经理): item on_time_supply_rate (供货及时率) weight 50 → 60`.
    pub message: String,
}

/// Everything that changed from one plan version to another. `Display` renders it as text:
/// a header line (`company-a-2022 2022.01 → 2022.03: 5 changes`) and one line per change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PlanDiff {
    /// The old plan.
    pub from: VersionRef,
    /// The new plan.
    pub to: VersionRef,
    /// The changes, in plan order.
    pub changes: Vec<Change>,
}

impl PlanDiff {
    /// Whether nothing changed (the versions and fingerprints may still differ, e.g. after
    /// re-ordering).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for PlanDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to = if self.to.id == self.from.id {
            self.to.version.clone()
        } else {
            format!("{} {}", self.to.id, self.to.version)
        };
        let count = match self.changes.len() {
            0 => "no changes".to_string(),
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        };
        writeln!(f, "{} {} → {to}: {count}", self.from.id, self.from.version)?;
        for change in &self.changes {
            writeln!(f, "  {}", change.message)?;
        }
        Ok(())
    }
}

/// Compares two versions of a plan. Neither plan needs to compile; entities with a duplicate
/// identity are matched in order of appearance.
///
/// ```
/// use kpichain::{Decimal, Plan, diff::{ChangeKind, diff_plans}};
///
/// let before = Plan::from_json(r#"{"id": "p", "version": "1",
///   "indicators": [{"id": "sales", "name": "销售额"}],
///   "roles": [{"id": "rep", "name": "销售代表", "items": [
///     {"indicator": "sales", "weight": 100, "target": 50, "rule": {"type": "ratio", "cap": 120}}]}],
///   "grades": [{"grade": "B", "coefficient": 1}]}"#)?;
/// let mut after = before.clone();
/// after.version = "2".into();
/// for item in after.roles.iter_mut().flat_map(|r| r.items.iter_mut()) {
///     item.target = Some(Decimal::from(60));
/// }
///
/// let diff = diff_plans(&before, &after);
/// assert_eq!(diff.changes.len(), 1);
/// let change = &diff.changes[0];
/// assert_eq!(change.kind, ChangeKind::Changed);
/// assert_eq!(change.path, "roles[0].items[0].target");
/// assert_eq!(change.before, Some(serde_json::json!("50")));
/// assert_eq!(
///     diff.to_string(),
///     "p 1 → 2: 1 change\n  roles[0] rep (销售代表): item sales (销售额) target 50 → 60\n"
/// );
/// # Ok::<(), kpichain::PlanError>(())
/// ```
pub fn diff_plans(before: &Plan, after: &Plan) -> PlanDiff {
    PlanDiff {
        from: VersionRef::of(before),
        to: VersionRef::of(after),
        changes: changes(&to_value(before), &to_value(after)),
    }
}

fn to_value(plan: &Plan) -> Value {
    serde_json::to_value(plan).unwrap_or(Value::Null)
}

/// The changes between two plans in their JSON form.
fn changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut names = HashMap::new();
    for plan in [before, after] {
        let indicators = plan.get("indicators").and_then(Value::as_array);
        for indicator in indicators.into_iter().flatten() {
            let field = |name: &str| indicator.get(name).and_then(Value::as_str);
            if let (Some(id), Some(name)) = (field("id"), field("name")) {
                names.insert(id, name);
            }
        }
    }
    let mut differ = Differ {
        names,
        changes: Vec::new(),
    };
    let empty = Map::new();
    let root = Place {
        head: "plan".to_string(),
        top: true,
        ..Place::default()
    };
    differ.object(
        &root,
        Section::Plan,
        "",
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
        &["id", "version"],
    );
    differ.changes
}

/// The entities matched by identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Indicator,
    Role,
    Variant,
    Item,
    Adjustment,
    Veto,
    Grade,
}

impl Kind {
    /// The entities held by the list `field` of an entity in `parent`, if matched by identity.
    fn of_list(parent: Section, field: &str) -> Option<Kind> {
        use Section as S;
        match (parent, field) {
            (S::Plan, "indicators") => Some(Kind::Indicator),
            (S::Plan, "roles") => Some(Kind::Role),
            (S::Plan, "grades") => Some(Kind::Grade),
            (S::Role, "variants") => Some(Kind::Variant),
            (S::Role | S::Variant, "items") => Some(Kind::Item),
            (S::Plan | S::Role | S::Variant, "adjustments") => Some(Kind::Adjustment),
            (S::Plan | S::Role | S::Variant, "vetoes") => Some(Kind::Veto),
            _ => None,
        }
    }

    fn section(self) -> Section {
        match self {
            Kind::Indicator => Section::Indicator,
            Kind::Role => Section::Role,
            Kind::Variant => Section::Variant,
            Kind::Item => Section::Item,
            Kind::Adjustment => Section::Adjustment,
            Kind::Veto => Section::Veto,
            Kind::Grade => Section::Grade,
        }
    }

    /// The entity's identity, if it has one.
    fn key(self, entity: &Value) -> Option<&str> {
        let field = |name: &str| entity.get(name).and_then(Value::as_str);
        match self {
            Kind::Item => field("id").or_else(|| field("indicator")),
            Kind::Grade => field("grade"),
            _ => field("id"),
        }
    }
}

/// Where changes are: the entities they are in, for the `role`/`item`/`id` fields and for the
/// text before the field (`roles[2] purchasing_manager (采购经理): item on_time_supply_rate
/// (供货及时率)`).
#[derive(Debug, Clone, Default)]
struct Place {
    role: Option<String>,
    item: Option<String>,
    id: Option<String>,
    /// `plan`, or the top-level entity with its path.
    head: String,
    /// The nested entities, e.g. `item on_time_supply_rate (供货及时率)`.
    tail: String,
    /// At the plan itself (no entity yet).
    top: bool,
}

impl Place {
    /// The text of a change at this place: `head: tail what`.
    fn line(&self, what: &str) -> String {
        if self.tail.is_empty() {
            format!("{}: {what}", self.head)
        } else {
            format!("{}: {} {what}", self.head, self.tail)
        }
    }
}

struct Differ<'a> {
    /// Indicator id → name, the new plan's names winning.
    names: HashMap<&'a str, &'a str>,
    changes: Vec<Change>,
}

impl Differ<'_> {
    /// Compares two entities (or the plan) field by field.
    fn object(
        &mut self,
        place: &Place,
        section: Section,
        path: &str,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
        skip: &[&str],
    ) {
        for key in union_keys(before, after) {
            if skip.contains(&key) {
                continue;
            }
            let (old, new) = (before.get(key), after.get(key));
            let child = join(path, key);
            if let Some(kind) = Kind::of_list(section, key) {
                if self.list(place, kind, &child, old, new) {
                    continue;
                }
            }
            let section = match (section, key) {
                (Section::Plan, "rounding") => Section::Rounding,
                (Section::Plan, "missing_data") => Section::MissingData,
                _ => section,
            };
            self.field(place, section, &child, key, old, new);
        }
    }

    /// Compares a list of entities by identity. Returns `false`, having done nothing, when
    /// a side is not a list of entities that all have an identity; the list is then compared
    /// as a value.
    fn list(
        &mut self,
        place: &Place,
        kind: Kind,
        path: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> bool {
        let (Some(before), Some(after)) = (entities(old), entities(new)) else {
            return false;
        };
        let (Some(old_keys), Some(new_keys)) = (keys(kind, before), keys(kind, after)) else {
            return false;
        };
        let index: HashMap<(&str, usize), usize> = old_keys
            .iter()
            .enumerate()
            .map(|(i, key)| (*key, i))
            .collect();
        let kept: HashSet<(&str, usize)> = new_keys.iter().copied().collect();
        for (i, (key, entity)) in old_keys.iter().zip(before).enumerate() {
            if !kept.contains(key) {
                let path = format!("{path}[{i}]");
                self.whole(place, kind, ChangeKind::Removed, &path, key.0, entity);
            }
        }
        for (i, (key, entity)) in new_keys.iter().zip(after).enumerate() {
            let path = format!("{path}[{i}]");
            match index.get(key).and_then(|&j| before.get(j)) {
                Some(previous) => {
                    let inner = self.enter(place, kind, &path, key.0, entity);
                    if let (Some(old), Some(new)) = (previous.as_object(), entity.as_object()) {
                        self.object(&inner, kind.section(), &path, old, new, &[]);
                    }
                }
                None => self.whole(place, kind, ChangeKind::Added, &path, key.0, entity),
            }
        }
        true
    }

    /// The place inside an entity.
    fn enter(&self, place: &Place, kind: Kind, path: &str, key: &str, entity: &Value) -> Place {
        let mut inner = place.clone();
        match kind {
            Kind::Role => inner.role = Some(key.to_string()),
            Kind::Item => inner.item = Some(key.to_string()),
            _ => inner.id = Some(key.to_string()),
        }
        let name = match kind {
            Kind::Item => entity
                .get("indicator")
                .and_then(Value::as_str)
                .and_then(|id| self.names.get(id).copied()),
            Kind::Grade => entity.get("label").and_then(Value::as_str),
            _ => entity.get("name").and_then(Value::as_str),
        };
        let label = match name {
            Some(name) => format!("{key} ({name})"),
            None => key.to_string(),
        };
        if place.top {
            inner.head = format!("{path} {label}");
            inner.top = false;
        } else {
            let word = kind.section().as_str();
            inner.tail = if place.tail.is_empty() {
                format!("{word} {label}")
            } else {
                format!("{}, {word} {label}", place.tail)
            };
        }
        inner
    }

    /// Records an entity added or removed as a whole.
    fn whole(
        &mut self,
        place: &Place,
        kind: Kind,
        change: ChangeKind,
        path: &str,
        key: &str,
        entity: &Value,
    ) {
        let inner = self.enter(place, kind, path, key, entity);
        let mut what = match (change, place.top) {
            (ChangeKind::Removed, true) => format!("{} removed", kind.section().as_str()),
            (_, true) => format!("{} added", kind.section().as_str()),
            (ChangeKind::Removed, false) => "removed".to_string(),
            (_, false) => "added".to_string(),
        };
        if let Some(weight) = entity.get("weight").filter(|_| kind == Kind::Item) {
            what.push_str(&format!(" (weight {})", text(Some(weight))));
        }
        let (before, after) = match change {
            ChangeKind::Removed => (Some(entity.clone()), None),
            _ => (None, Some(entity.clone())),
        };
        self.changes.push(Change {
            kind: change,
            section: kind.section(),
            path: path.to_string(),
            role: inner.role.clone(),
            item: inner.item.clone(),
            id: inner.id.clone(),
            field: None,
            before,
            after,
            message: inner.line(&what),
        });
    }

    /// Compares one field's values; objects of the same `type` field by field.
    fn field(
        &mut self,
        place: &Place,
        section: Section,
        path: &str,
        field: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        if same(old, new) {
            return;
        }
        if let (Some(Value::Object(before)), Some(Value::Object(after))) = (old, new) {
            if same(before.get("type"), after.get("type")) {
                for key in union_keys(before, after) {
                    self.field(
                        place,
                        section,
                        &join(path, key),
                        &join(field, key),
                        before.get(key),
                        after.get(key),
                    );
                }
                return;
            }
        }
        let long = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .is_some_and(|s| s.chars().count() > LONG_TEXT)
        };
        let what = if long(old) || long(new) {
            format!("{field} changed")
        } else {
            format!("{field} {} → {}", text(old), text(new))
        };
        self.changes.push(Change {
            kind: ChangeKind::Changed,
            section,
            path: path.to_string(),
            role: place.role.clone(),
            item: place.item.clone(),
            id: place.id.clone(),
            field: Some(field.to_string()),
            before: old.cloned(),
            after: new.cloned(),
            message: place.line(&what),
        });
    }
}

/// A list field's elements; an absent field is an empty list.
fn entities(value: Option<&Value>) -> Option<&[Value]> {
    match value {
        None => Some(&[]),
        Some(Value::Array(list)) => Some(list),
        Some(_) => None,
    }
}

/// Each entity's identity and how many entities before it have the same one.
fn keys(kind: Kind, list: &[Value]) -> Option<Vec<(&str, usize)>> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    list.iter()
        .map(|entity| {
            let key = kind.key(entity)?;
            let count = seen.entry(key).or_insert(0);
            let nth = *count;
            *count = count.saturating_add(1);
            Some((key, nth))
        })
        .collect()
}

/// The new object's keys in order, then the keys only the old one has.
fn union_keys<'m>(before: &'m Map<String, Value>, after: &'m Map<String, Value>) -> Vec<&'m str> {
    after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)))
        .map(String::as_str)
        .collect()
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Equality of plan values, with decimals (serialized as strings) compared by value.
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_value(a, b),
        _ => false,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x == y || matches!((decimal(x), decimal(y)), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| same_value(x, y)))
        }
        _ => a == b,
    }
}

/// A string written as a plain decimal (`-12.50`), as decimals serialize.
fn decimal(s: &str) -> Option<Decimal> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if all_digits(int) && all_digits(frac) {
        Decimal::from_str_exact(s).ok()
    } else {
        None
    }
}

/// A value as text: strings and decimals bare, lists and objects compactly, `—` when absent.
fn text(value: Option<&Value>) -> String {
    let mut out = String::new();
    match value {
        None => out.push('—'),
        Some(v) => write_value(&mut out, v),
    }
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(list) => {
            out.push('[');
            for (i, v) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, v);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
          "id": "p", "version": "1", "name": "方案",
          "indicators": [
            {"id": "sales", "name": "销售额", "unit": "万元"},
            {"id": "visits", "name": "拜访量", "unit": "次"},
            {"id": "breaches", "name": "合规事故", "direction": "lower_is_better"}
          ],
          "roles": [
            {"id": "rep", "name": "销售代表", "items": [
              {"indicator": "sales", "weight": 60, "target": 50, "rule": {"type": "ratio", "cap": 120}},
              {"indicator": "visits", "weight": 40, "target": 20, "rule": {"type": "bands", "bands": [
                {"from": 20, "score": 100}, {"to": 20, "score": 50}]}}
            ]},
            {"id": "mgr", "name": "经理", "items": [
              {"indicator": "sales", "weight": 100, "threshold": 40, "target": 50, "stretch": 60,
               "rule": {"type": "linear"}}
            ], "vetoes": [{"id": "breach", "name": "合规一票否决", "condition": "breaches >= 1",
                           "force_grade": "C"}]}
          ],
          "adjustments": [{"id": "bonus", "name": "加分", "indicator": "visits",
                           "points_per_unit": 1, "max": 5}],
          "grades": [
            {"grade": "A", "min": 100, "coefficient": "1.2", "label": "优秀"},
            {"grade": "B", "min": 80, "coefficient": 1, "label": "良好"},
            {"grade": "C", "coefficient": 0}
          ]
        })
    }

    fn plan(value: Value) -> Plan {
        Plan::from_value(value).unwrap()
    }

    /// The diff from the base plan to the base plan edited by `edit`.
    fn diff(edit: impl FnOnce(&mut Value)) -> PlanDiff {
        let mut after = base();
        edit(&mut after);
        diff_plans(&plan(base()), &plan(after))
    }

    fn messages(diff: &PlanDiff) -> Vec<&str> {
        diff.changes.iter().map(|c| c.message.as_str()).collect()
    }

    fn fields(changes: &[Change]) -> Vec<(&str, Section, &str)> {
        changes
            .iter()
            .map(|c| (c.path.as_str(), c.section, c.field.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn identical_plans_have_no_changes() {
        let p = plan(base());
        let d = diff_plans(&p, &p);
        assert!(d.is_empty());
        assert_eq!(d.from, d.to);
        assert!(d.from.fingerprint.starts_with("sha256:"));
        assert_eq!(d.to_string(), "p 1 → 1: no changes\n");

        let d = diff(|p| p["version"] = json!("2"));
        assert!(d.is_empty(), "{d}");
        assert_eq!(d.to_string(), "p 1 → 2: no changes\n");
    }

    #[test]
    fn reordering_reports_nothing() {
        let d = diff(|p| {
            for list in ["indicators", "roles", "grades"] {
                p[list].as_array_mut().unwrap().reverse();
            }
            p["roles"][1]["items"].as_array_mut().unwrap().reverse();
        });
        assert!(d.is_empty(), "{d}");
        assert_ne!(d.from.fingerprint, d.to.fingerprint);
    }

    #[test]
    fn decimals_are_compared_by_value_and_reported_exactly() {
        let d = diff(|p| {
            p["roles"][0]["items"][0]["weight"] = json!("60.0");
            p["roles"][0]["items"][1]["target"] = json!("20.00");
            p["grades"][2]["coefficient"] = json!("0.000");
        });
        assert!(d.is_empty(), "{d}");

        let d = diff(|p| {
            p["roles"][0]["items"][0]["target"] = json!(50.5);
            p["grades"][0]["coefficient"] = json!("1.25");
        });
        assert_eq!(d.changes[0].before, Some(json!("50")));
        assert_eq!(d.changes[0].after, Some(json!("50.5")));
        assert_eq!(d.changes[1].before, Some(json!("1.2")));
        assert_eq!(d.changes[1].after, Some(json!("1.25")));
        let text = serde_json::to_string(&d).unwrap();
        assert!(text.contains(r#""before":"1.2","after":"1.25""#), "{text}");
    }

    #[test]
    fn item_fields_are_reported_one_by_one() {
        let d = diff(|p| {
            let item = &mut p["roles"][1]["items"][0];
            item["target"] = json!(55);
            item.as_object_mut().unwrap().remove("threshold");
            item["missing_data"] = json!("exclude");
        });
        assert_eq!(
            messages(&d),
            [
                "roles[1] mgr (经理): item sales (销售额) target 50 → 55",
                "roles[1] mgr (经理): item sales (销售额) missing_data — → exclude",
                "roles[1] mgr (经理): item sales (销售额) threshold 40 → —",
            ]
        );
        let c = &d.changes[2];
        assert_eq!(c.kind, ChangeKind::Changed);
        assert_eq!(c.section, Section::Item);
        assert_eq!(c.path, "roles[1].items[0].threshold");
        assert_eq!(c.role.as_deref(), Some("mgr"));
        assert_eq!(c.item.as_deref(), Some("sales"));
        assert_eq!(c.id, None);
        assert_eq!(
            (c.before.clone(), c.after.clone()),
            (Some(json!("40")), None)
        );
    }

    #[test]
    fn a_rule_parameter_change_names_the_parameter() {
        let d = diff(|p| {
            let rule = &mut p["roles"][0]["items"][0]["rule"];
            rule["cap"] = json!(130);
            rule["floor"] = json!(0); // the default, written out: not a change
        });
        assert_eq!(
            messages(&d),
            ["roles[0] rep (销售代表): item sales (销售额) rule.cap 120 → 130"]
        );
        assert_eq!(
            fields(&d.changes),
            [("roles[0].items[0].rule.cap", Section::Item, "rule.cap")]
        );
    }

    #[test]
    fn bands_are_compared_as_a_whole() {
        let d = diff(|p| p["roles"][0]["items"][1]["rule"]["bands"][1]["score"] = json!(60));
        assert_eq!(
            messages(&d),
            ["roles[0] rep (销售代表): item visits (拜访量) rule.bands \
                 [{from: 20, score: 100}, {to: 20, score: 50}] → \
                 [{from: 20, score: 100}, {to: 20, score: 60}]"]
        );
        assert_eq!(d.changes[0].field.as_deref(), Some("rule.bands"));
        assert_eq!(
            d.changes[0].after,
            Some(json!([{"from": "20", "score": "100"}, {"to": "20", "score": "60"}]))
        );
    }

    #[test]
    fn a_rule_type_change_reports_the_whole_rule() {
        let d = diff(|p| {
            p["roles"][0]["items"][0]["rule"] = json!({"type": "pass_fail", "fail_score": 0})
        });
        assert_eq!(
            messages(&d),
            [
                "roles[0] rep (销售代表): item sales (销售额) rule {type: ratio, floor: 0, cap: 120} \
                 → {type: pass_fail, pass_score: 100, fail_score: 0}"
            ]
        );
        let c = &d.changes[0];
        assert_eq!(c.field.as_deref(), Some("rule"));
        assert_eq!(c.path, "roles[0].items[0].rule");
        assert_eq!(
            c.before,
            Some(json!({"type": "ratio", "floor": "0", "cap": "120"}))
        );
    }

    #[test]
    fn items_added_and_removed() {
        let d = diff(|p| {
            let items = p["roles"][0]["items"].as_array_mut().unwrap();
            items.remove(1);
            items.push(json!({"indicator": "breaches", "weight": 40,
                              "rule": {"type": "deduction", "points": 10}}));
        });
        assert_eq!(
            messages(&d),
            [
                "roles[0] rep (销售代表): item visits (拜访量) removed (weight 40)",
                "roles[0] rep (销售代表): item breaches (合规事故) added (weight 40)",
            ]
        );
        let (removed, added) = (&d.changes[0], &d.changes[1]);
        assert_eq!(removed.kind, ChangeKind::Removed);
        assert_eq!(removed.path, "roles[0].items[1]");
        assert_eq!(removed.item.as_deref(), Some("visits"));
        assert_eq!(removed.before.as_ref().unwrap()["target"], json!("20"));
        assert_eq!(removed.after, None);
        assert_eq!(added.kind, ChangeKind::Added);
        assert_eq!(added.section, Section::Item);
        assert_eq!(added.field, None);
        assert_eq!(added.after.as_ref().unwrap()["rule"]["start"], json!("100"));
    }

    #[test]
    fn an_item_is_identified_by_its_id_else_its_indicator() {
        // No id: another indicator is another item.
        let d = diff(|p| p["roles"][1]["items"][0]["indicator"] = json!("visits"));
        let kinds: Vec<ChangeKind> = d.changes.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [ChangeKind::Removed, ChangeKind::Added]);

        // With an id: the same item measures another indicator.
        let mut before = base();
        before["roles"][1]["items"][0]["id"] = json!("main");
        let mut after = before.clone();
        after["roles"][1]["items"][0]["indicator"] = json!("visits");
        let d = diff_plans(&plan(before), &plan(after));
        assert_eq!(
            messages(&d),
            ["roles[1] mgr (经理): item main (拜访量) indicator sales → visits"]
        );
        assert_eq!(d.changes[0].item.as_deref(), Some("main"));
    }

    #[test]
    fn roles_and_indicators_added_and_removed() {
        let d = diff(|p| {
            let indicators = p["indicators"].as_array_mut().unwrap();
            indicators.remove(2);
            indicators.push(json!({"id": "office", "name": "办公效率"}));
            let roles = p["roles"].as_array_mut().unwrap();
            roles.remove(1);
            roles.push(json!({"id": "admin", "name": "行政", "items": [
                {"indicator": "office", "weight": 100, "target": 90, "rule": {"type": "ratio"}}]}));
        });
        assert_eq!(
            messages(&d),
            [
                "indicators[2] breaches (合规事故): indicator removed",
                "indicators[2] office (办公效率): indicator added",
                "roles[1] mgr (经理): role removed",
                "roles[1] admin (行政): role added",
            ]
        );
        assert_eq!(d.changes[0].section, Section::Indicator);
        assert_eq!(d.changes[0].id.as_deref(), Some("breaches"));
        assert_eq!(d.changes[2].section, Section::Role);
        assert_eq!(d.changes[2].role.as_deref(), Some("mgr"));
        assert_eq!(
            d.changes[2].before.as_ref().unwrap()["vetoes"][0]["id"],
            "breach"
        );
        assert_eq!(
            d.changes[3].after.as_ref().unwrap()["items"][0]["weight"],
            "100"
        );
    }

    #[test]
    fn indicator_fields() {
        let d = diff(|p| {
            p["indicators"][1]["unit"] = json!("个");
            p["indicators"][1]["direction"] = json!("lower_is_better");
            p["indicators"][1]["description"] = json!("拜访客户次数");
            p["indicators"][0]["name"] = json!("个人销售额");
        });
        assert_eq!(
            messages(&d),
            [
                "indicators[0] sales (个人销售额): name 销售额 → 个人销售额",
                "indicators[1] visits (拜访量): unit 次 → 个",
                "indicators[1] visits (拜访量): direction higher_is_better → lower_is_better",
                "indicators[1] visits (拜访量): description — → 拜访客户次数",
            ]
        );
        // Items are named with the new plan's indicator names.
        let d = diff(|p| {
            p["indicators"][0]["name"] = json!("个人销售额");
            p["roles"][0]["items"][0]["weight"] = json!(50);
        });
        assert_eq!(
            messages(&d)[1],
            "roles[0] rep (销售代表): item sales (个人销售额) weight 60 → 50"
        );
    }

    #[test]
    fn role_fields_adjustments_and_vetoes() {
        let d = diff(|p| {
            p["roles"][1]["name"] = json!("销售经理");
            let veto = p["roles"][1]["vetoes"][0].as_object_mut().unwrap();
            veto.remove("force_grade");
            veto.insert("force_total".into(), json!(0));
            p["roles"][0]["adjustments"] = json!([{"id": "extra", "name": "额外加分",
                "indicator": "visits", "points_per_unit": "0.5"}]);
        });
        assert_eq!(
            messages(&d),
            [
                "roles[0] rep (销售代表): adjustment extra (额外加分) added",
                "roles[1] mgr (销售经理): name 经理 → 销售经理",
                "roles[1] mgr (销售经理): veto breach (合规一票否决) force_total — → 0",
                "roles[1] mgr (销售经理): veto breach (合规一票否决) force_grade C → —",
            ]
        );
        assert_eq!(
            fields(&d.changes),
            [
                ("roles[0].adjustments[0]", Section::Adjustment, ""),
                ("roles[1].name", Section::Role, "name"),
                (
                    "roles[1].vetoes[0].force_total",
                    Section::Veto,
                    "force_total"
                ),
                (
                    "roles[1].vetoes[0].force_grade",
                    Section::Veto,
                    "force_grade"
                ),
            ]
        );
        assert_eq!(d.changes[0].role.as_deref(), Some("rep"));
        assert_eq!(d.changes[0].id.as_deref(), Some("extra"));
        assert_eq!(d.changes[2].id.as_deref(), Some("breach"));

        // Removing a role's last veto removes the (then absent) list's entity.
        let d = diff(|p| {
            p["roles"][1].as_object_mut().unwrap().remove("vetoes");
        });
        assert_eq!(
            messages(&d),
            ["roles[1] mgr (经理): veto breach (合规一票否决) removed"]
        );
        assert_eq!(d.changes[0].path, "roles[1].vetoes[0]");
    }

    #[test]
    fn plan_wide_adjustments_and_grades() {
        let d = diff(|p| {
            p["adjustments"][0]["max"] = json!(8);
            let grades = p["grades"].as_array_mut().unwrap();
            grades[0]["min"] = json!(105);
            grades[1]["coefficient"] = json!("0.9");
            grades[1]["label"] = json!("合格");
            grades[2]["grade"] = json!("D");
            grades.insert(
                0,
                json!({"grade": "S", "min": 120, "coefficient": 1.5, "label": "卓越"}),
            );
        });
        assert_eq!(
            messages(&d),
            [
                "adjustments[0] bonus (加分): max 5 → 8",
                "grades[2] C: grade removed",
                "grades[0] S (卓越): grade added",
                "grades[1] A (优秀): min 100 → 105",
                "grades[2] B (合格): coefficient 1 → 0.9",
                "grades[2] B (合格): label 良好 → 合格",
                "grades[3] D: grade added",
            ]
        );
        assert_eq!(d.changes[0].section, Section::Adjustment);
        assert_eq!(d.changes[0].role, None);
        assert_eq!(d.changes[0].id.as_deref(), Some("bonus"));
        assert_eq!(d.changes[3].section, Section::Grade);
        assert_eq!(d.changes[3].id.as_deref(), Some("A"));
        assert_eq!(d.changes[3].path, "grades[1].min");
    }

    #[test]
    fn plan_fields_rounding_and_missing_data() {
        let long = "说明".repeat(41);
        let d = diff(|p| {
            p["id"] = json!("q");
            p["name"] = json!("新方案");
            p["effective_from"] = json!("2022-03-01");
            p["description"] = json!(long);
            p["rounding"] = json!({"mode": "half_even", "item_scale": 3});
            p["missing_data"] = json!("zero");
        });
        assert_eq!(
            d.to_string(),
            "p 1 → q 1: 6 changes
  plan: name 方案 → 新方案
  plan: effective_from — → 2022-03-01
  plan: description changed
  plan: rounding.mode half_up → half_even
  plan: rounding.item_scale 2 → 3
  plan: missing_data error → zero
"
        );
        assert_eq!(
            fields(&d.changes),
            [
                ("name", Section::Plan, "name"),
                ("effective_from", Section::Plan, "effective_from"),
                ("description", Section::Plan, "description"),
                ("rounding.mode", Section::Rounding, "rounding.mode"),
                (
                    "rounding.item_scale",
                    Section::Rounding,
                    "rounding.item_scale"
                ),
                ("missing_data", Section::MissingData, "missing_data"),
            ]
        );
        assert_eq!(d.changes[2].after, Some(json!(long)));
        assert_eq!(d.changes[4].after, Some(json!(3)));
    }

    #[test]
    fn fields_unknown_to_the_differ_are_reported_by_name() {
        let mut before = to_value(&plan(base()));
        before["time_zone"] = json!("+08:00");
        before["indicators"][0]["measure"] = json!({"records": "orders", "aggregate": "sum"});
        before["roles"][0]["items"][0]["source"] = json!("crm");
        let mut after = before.clone();
        after["time_zone"] = json!("+09:00");
        after["indicators"][0]["measure"]["aggregate"] = json!("count");
        after["roles"][0]["items"][0]["source"] = json!("erp");
        after["roles"][1]["items"][0]["source"] = json!("oa");
        let changes = super::changes(&before, &after);
        assert_eq!(
            fields(&changes),
            [
                (
                    "indicators[0].measure.aggregate",
                    Section::Indicator,
                    "measure.aggregate"
                ),
                ("roles[0].items[0].source", Section::Item, "source"),
                ("roles[1].items[0].source", Section::Item, "source"),
                ("time_zone", Section::Plan, "time_zone"),
            ]
        );
        assert_eq!(
            changes[0].message,
            "indicators[0] sales (销售额): measure.aggregate sum → count"
        );
    }

    #[test]
    fn role_variants_are_matched_by_id() {
        let variant = |id: &str, weight: u32| {
            json!({"id": id, "region": id, "items": [
                {"indicator": "sales", "weight": weight, "rule": {"type": "ratio"}}]})
        };
        let mut before = to_value(&plan(base()));
        before["roles"][0]["variants"] = json!([variant("south", 40), variant("north", 40)]);
        let mut after = before.clone();
        after["roles"][0]["variants"] = json!([
            variant("north", 50),
            variant("south", 40),
            variant("east", 40)
        ]);
        let changes = super::changes(&before, &after);
        assert_eq!(
            changes
                .iter()
                .map(|c| c.message.as_str())
                .collect::<Vec<_>>(),
            [
                "roles[0] rep (销售代表): variant north, item sales (销售额) weight 40 → 50",
                "roles[0] rep (销售代表): variant east added",
            ]
        );
        let c = &changes[0];
        assert_eq!(c.path, "roles[0].variants[0].items[0].weight");
        assert_eq!(
            (c.role.as_deref(), c.id.as_deref(), c.item.as_deref()),
            (Some("rep"), Some("north"), Some("sales"))
        );
        assert_eq!(changes[1].section, Section::Variant);

        // Without ids a list is compared as a whole.
        let mut before = to_value(&plan(base()));
        before["roles"][0]["variants"] = json!([{"region": "south"}]);
        let mut after = before.clone();
        after["roles"][0]["variants"] = json!([{"region": "north"}]);
        let changes = super::changes(&before, &after);
        assert_eq!(
            fields(&changes),
            [("roles[0].variants", Section::Role, "variants")]
        );
    }

    #[test]
    fn duplicate_identities_are_paired_in_order() {
        let mut before = base();
        let items = before["roles"][0]["items"].as_array_mut().unwrap();
        items[1]["indicator"] = json!("sales");
        let mut after = before.clone();
        after["roles"][0]["items"][1]["weight"] = json!(45);
        let d = diff_plans(&plan(before), &plan(after));
        assert_eq!(
            fields(&d.changes),
            [("roles[0].items[1].weight", Section::Item, "weight")]
        );
    }

    #[test]
    fn the_header_counts_changes() {
        let d = diff(|p| p["name"] = json!("新方案"));
        assert_eq!(
            d.to_string(),
            "p 1 → 1: 1 change\n  plan: name 方案 → 新方案\n"
        );
    }
}
