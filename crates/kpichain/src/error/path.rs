//! Where a problem is: a list of segments — field names and list indices — that prints as
//! `roles[2].items[1].weight`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// One step of a [`Path`]: a field (or map key) name, or a position in a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A field of an object, e.g. `weight`; also a column name of a wide input row.
    Key(Box<str>),
    /// A 0-based position in a list, e.g. the `2` of `roles[2]`.
    Index(usize),
}

impl From<&str> for Segment {
    fn from(key: &str) -> Self {
        Segment::Key(key.into())
    }
}

impl From<String> for Segment {
    fn from(key: String) -> Self {
        Segment::Key(key.into_boxed_str())
    }
}

impl From<usize> for Segment {
    fn from(index: usize) -> Self {
        Segment::Index(index)
    }
}

/// Where a problem is in a plan or in the inputs, as segments. Empty for the whole document.
///
/// Prints as `roles[2].items[1].weight` and serializes as that text;
/// [`segments`](Path::segments) gives the structure (Python's `loc` tuple, Node's
/// `pathSegments`). The text form is the canonical one in messages, JSON output and golden
/// vectors.
///
/// ```
/// use kpichain::Path;
/// let p = Path::root().key("roles").index(2).key("items").index(1).key("weight");
/// assert_eq!(p.to_string(), "roles[2].items[1].weight");
/// assert_eq!(p, Path::parse("roles[2].items[1].weight"));
/// assert_eq!(p.prefixed(&Path::parse("versions[1].plan")).to_string(),
///            "versions[1].plan.roles[2].items[1].weight");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The whole document (no segment).
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path followed by the field `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<Box<str>>) -> Path {
        self.0.push(Segment::Key(key.into()));
        self
    }

    /// This path followed by the list position `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Path {
        self.0.push(Segment::Index(index));
        self
    }

    /// This path followed by every segment of `tail`.
    #[must_use]
    pub fn join(mut self, tail: &Path) -> Path {
        self.0.extend(tail.0.iter().cloned());
        self
    }

    /// `prefix` followed by this path (e.g. a version's plan path under `versions[1].plan`).
    #[must_use]
    pub fn prefixed(&self, prefix: &Path) -> Path {
        prefix.clone().join(self)
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether the path names the whole document.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the path starts with every segment of `prefix`.
    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The segments after `prefix`, when the path starts with it.
    pub fn strip_prefix(&self, prefix: &Path) -> Option<Path> {
        self.0
            .strip_prefix(prefix.0.as_slice())
            .map(|s| Path(s.to_vec()))
    }

    /// The first segment, when it is a field name (e.g. `actuals` of `actuals[3].value`).
    pub fn head_key(&self) -> Option<&str> {
        match self.0.first() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// Reads the canonical text form (`roles[2].items[1].weight`; `` for the whole document).
    /// A key that is not a plain name is written in brackets and quotes
    /// (`actuals[0]["sales amount"]`), as [`Display`](fmt::Display) prints it. Text that is
    /// not in this form is kept as one key, so nothing is lost.
    pub fn parse(text: &str) -> Path {
        parse(text).unwrap_or_else(|| {
            if text.is_empty() {
                Path::root()
            } else {
                Path(vec![Segment::Key(text.into())])
            }
        })
    }
}

fn parse(text: &str) -> Option<Path> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]")?;
            out.push(Segment::Key(r.get(..end)?.into()));
            rest = r.get(end.checked_add(2)?..)?;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Segment::Index(r.get(..end)?.parse().ok()?));
            rest = r.get(end.checked_add(1)?..)?;
        } else {
            let r = if first { rest } else { rest.strip_prefix('.')? };
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = r.get(..end)?;
            if key.is_empty() {
                return None;
            }
            out.push(Segment::Key(key.into()));
            rest = r.get(end..)?;
        }
        first = false;
    }
    Some(Path(out))
}

fn plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if plain(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[\"{k}\"]")?,
            }
        }
        Ok(())
    }
}

impl From<&str> for Path {
    fn from(text: &str) -> Self {
        Path::parse(text)
    }
}

impl From<String> for Path {
    fn from(text: String) -> Self {
        Path::parse(&text)
    }
}

impl From<&String> for Path {
    fn from(text: &String) -> Self {
        Path::parse(text)
    }
}

impl From<&Path> for Path {
    fn from(path: &Path) -> Self {
        path.clone()
    }
}

impl From<Vec<Segment>> for Path {
    fn from(segments: Vec<Segment>) -> Self {
        Path(segments)
    }
}

impl PartialEq<str> for Path {
    fn eq(&self, other: &str) -> bool {
        *self == Path::parse(other)
    }
}

impl PartialEq<String> for Path {
    fn eq(&self, other: &String) -> bool {
        *self == Path::parse(other)
    }
}

impl PartialEq<&str> for Path {
    fn eq(&self, other: &&str) -> bool {
        *self == Path::parse(other)
    }
}

impl Serialize for Path {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Path {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(d)?;
        Ok(Path::parse(&text))
    }
}

impl JsonSchema for Path {
    fn schema_name() -> Cow<'static, str> {
        "Path".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Where the problem is, e.g. `roles[2].items[1].weight`; empty for the whole document.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for text in [
            "",
            "id",
            "roles[2].items[1].weight",
            "versions[0].plan.roles[0]",
            "records.orders[3].amount",
            "actuals[0][\"sales amount\"]",
            "[4].value",
        ] {
            assert_eq!(Path::parse(text).to_string(), text, "{text}");
        }
    }

    #[test]
    fn odd_text_is_kept_whole() {
        let p = Path::parse("a..b");
        assert_eq!(p.segments().len(), 1);
        assert_eq!(p.to_string(), "[\"a..b\"]");
    }
}
