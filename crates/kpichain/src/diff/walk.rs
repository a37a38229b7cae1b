//! The walk over two plans' JSON: entities matched by identity, fields compared by value.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

use super::*;

/// The changes between two plans in their JSON form.
pub(super) fn changes(before: &Value, after: &Value) -> Vec<Change> {
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
