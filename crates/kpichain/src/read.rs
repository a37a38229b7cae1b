//! Reading documents (plans, versions documents, measure lists) into their serde types with
//! every format problem reported at once, each with its path and a code — never with a line
//! and column of text the user did not write.
//!
//! The text is first read into a JSON value (a syntax error is reported there, with its line
//! and column: the user wrote that text). The value is then deserialized; on a problem the bad
//! part is set aside — an unknown field is dropped, a bad value is dropped and the list entry
//! holding it is left out — and the rest is read again, so that five unrelated problems give
//! five issues, each at its place in the original document.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Code, Issue, Path, Segment};

/// At most this many format problems are reported for one document.
const MAX_PROBLEMS: usize = 100;

/// Serde's wording → a code of the catalogue.
pub(crate) fn code_of(message: &str) -> Code {
    if message.starts_with("recursion limit exceeded") {
        Code::NestingTooDeep
    } else if message.starts_with("unknown field") {
        Code::UnknownField
    } else if message.starts_with("missing field") {
        Code::MissingField
    } else if message.starts_with("unknown variant") {
        Code::UnknownVariant
    } else if message.starts_with("invalid type") {
        Code::InvalidType
    } else if message.contains("more than 28 decimal places or is too large")
        || (message.starts_with("invalid value: floating point")
            && message.contains("a decimal number"))
    {
        Code::NumberOutOfRange
    } else if message.contains("a decimal number") {
        Code::InvalidNumber
    } else if message.starts_with("invalid value") {
        Code::InvalidType
    } else {
        Code::ParseError
    }
}

/// serde_json's exact-number wrapper shows up in paths; drop it.
pub(crate) fn clean_path(path: &str) -> Path {
    let path = path.replace(".$serde_json::private::Number", "");
    if path == "." {
        Path::root()
    } else {
        Path::parse(&path)
    }
}

/// Makes serde's wording about decimals readable for an HR user.
pub(crate) fn friendly(raw: &str) -> String {
    raw.replace(
        "a Decimal type representing a fixed-point number",
        "a decimal number (a JSON number or a string such as \"12.5\")",
    )
    .replace(
        "Scale exceeds the maximum precision allowed",
        "the number has more than 28 decimal places or is too large for a decimal",
    )
}

/// JSON text → a value; a syntax error is one issue (its line and column are the user's).
pub(crate) fn json_value(text: &str, what: &str) -> Result<Value, Issue> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        if message.starts_with("recursion limit exceeded") {
            return Issue::new(
                Code::NestingTooDeep,
                Path::root(),
                format!("the {what} nests lists and objects more than 128 deep: {message}"),
            );
        }
        Issue::new(
            Code::ParseError,
            Path::root(),
            format!("the {what} is not valid JSON: {message}"),
        )
    })
}

/// TOML text → a value; a syntax error is one issue.
pub(crate) fn toml_value(text: &str, what: &str) -> Result<Value, Issue> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: toml::Value = toml::from_str(text).map_err(|e| {
        Issue::new(
            Code::ParseError,
            Path::root(),
            format!("the {what} is not valid TOML: {}", e.to_string().trim_end()),
        )
    })?;
    serde_json::to_value(value).map_err(|e| {
        Issue::new(
            Code::ParseError,
            Path::root(),
            format!("the {what} could not be read: {e}"),
        )
    })
}

/// The node at `path`, mutable.
fn node_mut<'v>(value: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    let mut node = value;
    for segment in path {
        node = match segment {
            Segment::Key(k) => node.as_object_mut()?.get_mut(&**k)?,
            Segment::Index(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

/// Removes the node at `path` (a field of an object or an entry of a list).
fn remove(value: &mut Value, path: &[Segment]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (node_mut(value, parent), last) {
        (Some(Value::Object(map)), Segment::Key(k)) => map.shift_remove(&**k).is_some(),
        (Some(Value::Array(list)), Segment::Index(i)) if *i < list.len() => {
            list.remove(*i);
            true
        }
        _ => false,
    }
}

/// Original positions of list entries set aside, to report later problems where the user
/// wrote them.
#[derive(Default)]
struct Removed(Vec<Path>);

impl Removed {
    /// A path in the reduced document → the same place in the original one.
    fn original(&self, path: &Path) -> Path {
        let mut out = Path::root();
        for segment in path.segments() {
            match segment {
                Segment::Index(i) => {
                    let mut gone: Vec<usize> = self
                        .0
                        .iter()
                        .filter_map(|r| match r.segments().split_last() {
                            Some((Segment::Index(j), parent)) if *parent == *out.segments() => {
                                Some(*j)
                            }
                            _ => None,
                        })
                        .collect();
                    gone.sort_unstable();
                    let mut original = *i;
                    for j in gone {
                        if j <= original {
                            original = original.saturating_add(1);
                        }
                    }
                    out = out.index(original);
                }
                Segment::Key(k) => out = out.key(&**k),
            }
        }
        out
    }
}

/// The innermost list entry holding `path` (the path itself when it is one).
fn entry_of(path: &Path) -> Option<Path> {
    let segments = path.segments();
    let at = segments
        .iter()
        .rposition(|s| matches!(s, Segment::Index(_)))?;
    Some(Path::from(segments.get(..=at)?.to_vec()))
}

/// Finds the numbers that reading changed: every leaf that was written as a number or text
/// and reads back (serialized from `T`) as different text, and whose written text is not a
/// decimal exactly (more significant digits than a decimal keeps, or beyond its range).
/// Such a number would otherwise be rounded without a word.
fn changed_numbers(written: &Value, read: &Value, path: &Path, issues: &mut Vec<Issue>) {
    match (written, read) {
        (Value::Object(w), Value::Object(r)) => {
            for (k, wv) in w {
                if let Some(rv) = r.get(k) {
                    changed_numbers(wv, rv, &path.clone().key(k.as_str()), issues);
                }
            }
        }
        (Value::Array(w), Value::Array(r)) => {
            for (i, (wv, rv)) in w.iter().zip(r).enumerate() {
                changed_numbers(wv, rv, &path.clone().index(i), issues);
            }
        }
        (Value::Number(_) | Value::String(_), Value::String(r)) => {
            let text = match written {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if text.trim() == r.as_str() {
                return;
            }
            if let Err(p) = crate::intake::Cell::Text(&text).number() {
                if p.code == Code::NumberOutOfRange {
                    issues.push(Issue::new(p.code, path.clone(), p.message("the number")));
                }
            }
        }
        _ => {}
    }
}

/// Deserializes `value` as `T`, reporting every format problem (see the module docs), and
/// every number that a decimal cannot hold exactly (never rounded silently).
pub(crate) fn all_problems<T: DeserializeOwned + Serialize>(
    mut value: Value,
) -> Result<T, Vec<Issue>> {
    let mut issues: Vec<Issue> = Vec::new();
    let mut removed = Removed::default();
    // Fields dropped for a bad value: their "missing field" is not a second problem.
    let mut dropped: Vec<Path> = Vec::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(t) if issues.is_empty() => {
                let mut changed = Vec::new();
                if let Ok(read) = serde_json::to_value(&t) {
                    changed_numbers(&value, &read, &Path::root(), &mut changed);
                }
                return if changed.is_empty() {
                    Ok(t)
                } else {
                    Err(changed)
                };
            }
            Ok(_) => return Err(issues),
            Err(e) => e,
        };
        let here = clean_path(&error.path().to_string());
        let message = friendly(&error.inner().to_string());
        let code = code_of(&message);
        let original = removed.original(&here);
        // Where the problem sits, and what to set aside before reading again.
        let (at, aside) = match code {
            Code::UnknownField => {
                let name = message.split('`').nth(1).unwrap_or_default().to_string();
                // The path names the object, or already the field.
                let (at, field) = match here.segments().last() {
                    Some(Segment::Key(k)) if **k == *name => (original.clone(), here.clone()),
                    _ => (original.clone().key(&*name), here.clone().key(&*name)),
                };
                (at, Some(field))
            }
            Code::MissingField => {
                let name = message.split('`').nth(1).unwrap_or_default();
                let field = original.clone().key(name);
                if dropped.contains(&field) {
                    // A consequence of a value already reported: set its entry aside.
                    let entry = entry_of(&here);
                    if let Some(entry) = &entry {
                        removed.0.push(removed.original(entry));
                    }
                    match entry {
                        Some(entry) if remove(&mut value, entry.segments()) => continue,
                        _ => return Err(issues),
                    }
                }
                (field, entry_of(&here))
            }
            _ if here.is_empty() => (original.clone(), None),
            _ => {
                dropped.push(original.clone());
                (original.clone(), Some(here.clone()))
            }
        };
        issues.push(Issue::new(code, at, message));
        if issues.len() >= MAX_PROBLEMS {
            return Err(issues);
        }
        let Some(aside) = aside else {
            return Err(issues);
        };
        if matches!(aside.segments().last(), Some(Segment::Index(_))) {
            removed.0.push(removed.original(&aside));
        }
        if !remove(&mut value, aside.segments()) {
            return Err(issues);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Plan;

    #[test]
    fn five_unrelated_problems_are_five_issues_at_their_places() {
        let text = r#"{"id": "p", "version": "1", "colour": "red",
          "indicators": [{"id": "a", "name": "A", "direction": "sideways"},
                         {"id": "b", "name": "B"}],
          "roles": [{"id": "r", "name": "R", "items": [
              {"indicator": "a", "weight": "12,5", "target": 100, "rule": {"type": "ratio"}},
              {"indicator": "b", "weight": 50, "target": 100, "rule": {"type": "magic"}},
              {"indicator": "b", "weight": 50, "rule": {"type": "ratio", "kap": 3}}]}],
          "grades": [{"grade": "A", "coefficient": 1}]}"#;
        let value = json_value(text, "plan").unwrap_or_default();
        let issues = all_problems::<Plan>(value).err().unwrap_or_default();
        let got: Vec<(String, String)> = issues
            .iter()
            .map(|i| (i.code.to_string(), i.path.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("unknown_field", "colour"),
                ("unknown_variant", "indicators[0].direction"),
                ("invalid_number", "roles[0].items[0].weight"),
                ("unknown_variant", "roles[0].items[1].rule.type"),
                ("unknown_field", "roles[0].items[2].rule.kap"),
            ]
            .map(|(c, p)| (c.to_string(), p.to_string())),
            "{issues:#?}"
        );
        assert!(
            issues.iter().all(|i| !i.message.contains(" at line ")),
            "{issues:#?}"
        );
    }

    #[test]
    fn text_nested_too_deep_is_refused_not_overflowed() {
        let text = format!(
            r#"{{"id": "p", "description": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let issue = json_value(&text, "plan")
            .err()
            .unwrap_or_else(|| Issue::new(Code::ParseError, "", ""));
        assert_eq!(issue.code, Code::NestingTooDeep, "{issue}");
    }
}
