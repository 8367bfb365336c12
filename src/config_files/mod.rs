//! Pool-setting candidates read out of configuration files, with exact byte spans.
//!
//! [`format_of`] tells a file's [`Format`] by its name, and [`leaves`] turns its text into every
//! scalar [`Leaf`] with its key path and the byte range of its value, so a diagnostic can point at
//! the value's line and column. TOML, YAML and JSON go through span-preserving parsers (one
//! submodule each); `.env` files are line-based and have a small parser of their own.
//!
//! Each format's submodule builds a `Node` tree, never deeper than 128 levels; this module
//! flattens it, folding tables shaped like a serialized [`std::time::Duration`] into one leaf.

mod dotenv;
mod json;
mod toml;
mod yaml;

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

/// A configuration file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// TOML (`*.toml`).
    Toml,
    /// YAML (`*.yaml`, `*.yml`); every document of a stream is read.
    Yaml,
    /// JSON (`*.json`); comments and trailing commas are accepted.
    Json,
    /// Environment files (`.env`, `.env.*`, `*.env`): `KEY=VALUE` lines.
    DotEnv,
}

/// The format of a file by its name: `*.toml`, `*.yaml`/`*.yml`, `*.json`, `.env`, `.env.*`,
/// `*.env`. `None` otherwise.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    if name == ".env" || name.starts_with(".env.") {
        return Some(Format::DotEnv);
    }
    let (stem, extension) = name.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    let is = |wanted: &str| extension.eq_ignore_ascii_case(wanted);
    if is("toml") {
        Some(Format::Toml)
    } else if is("yaml") || is("yml") {
        Some(Format::Yaml)
    } else if is("json") {
        Some(Format::Json)
    } else if is("env") {
        Some(Format::DotEnv)
    } else {
        None
    }
}

/// A scalar (or duration-shaped table) at a key path.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Keys from the root of the document; arrays and sequences contribute no segment.
    pub path: Vec<String>,
    /// The value.
    pub value: LeafValue,
    /// Byte range of the value (not the key) in the text.
    pub span: Range<usize>,
}

/// The value of a [`Leaf`].
#[derive(Debug, Clone, PartialEq)]
pub enum LeafValue {
    /// An integer.
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A string, uninterpreted (`"30s"` stays a string).
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A table with exactly the integer keys `secs` and `nanos`, as serde serializes a
    /// [`Duration`].
    Duration(Duration),
}

/// A file that could not be parsed: byte offset and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ParseError {
    /// Byte offset in the text where the parser stopped; always a character boundary of it.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// An error at `offset` in `text`, moved back onto a character boundary inside the text.
    fn new(text: &str, offset: usize, message: impl Into<String>) -> ParseError {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        ParseError { offset, message: message.into() }
    }

    /// Nesting deeper than [`MAX_DEPTH`], found at `offset`.
    fn too_deep(text: &str, offset: usize) -> ParseError {
        ParseError::new(text, offset, format!("nesting deeper than {MAX_DEPTH} levels"))
    }
}

/// Every leaf of the document, in document order.
pub fn leaves(format: Format, text: &str) -> Result<Vec<Leaf>, ParseError> {
    let root = match format {
        Format::Toml => toml::parse(text)?,
        Format::Yaml => yaml::parse(text)?,
        Format::Json => json::parse(text)?,
        Format::DotEnv => dotenv::parse(text)?,
    };
    let mut out = Vec::new();
    flatten(root, &mut Vec::new(), &mut out);
    // TOML tables come out sorted by key; the other formats are already in order. Stable.
    out.sort_by_key(|leaf| leaf.span.start);
    Ok(out)
}

/// Deepest nesting of tables, arrays, mappings and sequences that is read; deeper documents are
/// a [`ParseError`], which keeps every recursion here bounded.
const MAX_DEPTH: usize = 128;

/// A document as the format submodules hand it over: at most [`MAX_DEPTH`] containers deep.
enum Node {
    /// A scalar and the byte range of its source text.
    Leaf(LeafValue, Range<usize>),
    /// A table, object or mapping: its entries in any order, and its byte range.
    Map(Vec<(String, Node)>, Range<usize>),
    /// An array or sequence (or the documents of a YAML stream).
    List(Vec<Node>),
    /// A value that yields no leaf: null, datetime, alias.
    Other,
}

/// Pushes the leaves under `node`, whose key path is `path`, onto `out`.
fn flatten(node: Node, path: &mut Vec<String>, out: &mut Vec<Leaf>) {
    match node {
        Node::Leaf(value, span) => out.push(Leaf { path: path.clone(), value, span }),
        Node::Map(entries, span) => {
            if let Some(duration) = duration_shape(&entries).filter(|_| !path.is_empty()) {
                out.push(Leaf { path: path.clone(), value: LeafValue::Duration(duration), span });
                return;
            }
            for (key, child) in entries {
                path.push(key);
                flatten(child, path, out);
                path.pop();
            }
        }
        Node::List(items) => {
            for item in items {
                flatten(item, path, out);
            }
        }
        Node::Other => {}
    }
}

/// The duration a table holds when its entries are exactly integer `secs` (a `u64`) and `nanos`
/// (a `u32`), as serde serializes [`Duration`].
fn duration_shape(entries: &[(String, Node)]) -> Option<Duration> {
    let [(first, Node::Leaf(LeafValue::Int(a), _)), (second, Node::Leaf(LeafValue::Int(b), _))] = entries else {
        return None;
    };
    let (secs, nanos) = match (first.as_str(), second.as_str()) {
        ("secs", "nanos") => (*a, *b),
        ("nanos", "secs") => (*b, *a),
        _ => return None,
    };
    let secs = u64::try_from(secs).ok()?;
    let nanos = u32::try_from(nanos).ok()?;
    Duration::from_secs(secs).checked_add(Duration::from_nanos(u64::from(nanos)))
}

/// A decimal number as YAML's core schema writes one (JSON's numbers are a subset):
/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`. An integer when it has neither fraction
/// nor exponent and fits an `i128`, a float otherwise; `None` when `s` is not such a number.
fn decimal_number(s: &str) -> Option<LeafValue> {
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent.strip_prefix(['-', '+']).unwrap_or(exponent))),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let has_digits = !whole.is_empty() || fraction.is_some_and(|f| !f.is_empty());
    let valid = has_digits
        && digits(whole)
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| !e.is_empty() && digits(e));
    if !valid {
        return None;
    }
    if fraction.is_none() && exponent.is_none() {
        if let Ok(i) = s.parse() {
            return Some(LeafValue::Int(i));
        }
    }
    s.parse().ok().map(LeafValue::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_file_name() {
        let cases = [
            ("config/default.toml", Some(Format::Toml)),
            ("replicas.yaml", Some(Format::Yaml)),
            ("k8s/replicas.yml", Some(Format::Yaml)),
            ("deploy.json", Some(Format::Json)),
            (".env", Some(Format::DotEnv)),
            (".env.production", Some(Format::DotEnv)),
            ("app/.env.local", Some(Format::DotEnv)),
            ("prod.env", Some(Format::DotEnv)),
            ("Cargo.lock", None),
            ("README.md", None),
            (".toml", None),
            ("environment", None),
            ("toml", None),
        ];
        for (path, want) in cases {
            assert_eq!(format_of(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn duration_shape_needs_exactly_secs_and_nanos_in_range() {
        let int = |n| Node::Leaf(LeafValue::Int(n), 0..0);
        let entries = |pairs: Vec<(&str, Node)>| pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>();
        let d = duration_shape(&entries(vec![("nanos", int(5)), ("secs", int(2))]));
        assert_eq!(d, Some(Duration::new(2, 5)));
        assert_eq!(duration_shape(&entries(vec![("secs", int(2))])), None);
        assert_eq!(duration_shape(&entries(vec![("secs", int(-1)), ("nanos", int(0))])), None);
        assert_eq!(duration_shape(&entries(vec![("secs", int(1)), ("nanos", int(1 << 40))])), None);
        let max = i128::from(u64::MAX);
        assert_eq!(duration_shape(&entries(vec![("secs", int(max)), ("nanos", int(1_999_999_999))])), None);
        assert_eq!(duration_shape(&entries(vec![("secs", int(1)), ("nanos", Node::Other)])), None);
        let three = entries(vec![("secs", int(1)), ("nanos", int(0)), ("x", int(0))]);
        assert_eq!(duration_shape(&three), None);
    }

    #[test]
    fn decimal_numbers() {
        assert_eq!(decimal_number("42"), Some(LeafValue::Int(42)));
        assert_eq!(decimal_number("-7"), Some(LeafValue::Int(-7)));
        assert_eq!(decimal_number("+12.5e1"), Some(LeafValue::Float(125.0)));
        assert_eq!(decimal_number(".5"), Some(LeafValue::Float(0.5)));
        assert_eq!(decimal_number("1."), Some(LeafValue::Float(1.0)));
        assert_eq!(decimal_number("1E-2"), Some(LeafValue::Float(0.01)));
        assert_eq!(decimal_number("1e400"), Some(LeafValue::Float(f64::INFINITY)));
        assert_eq!(decimal_number(&"9".repeat(41)), Some(LeafValue::Float(1e41)));
        for s in ["", "-", ".", "1e", "e5", "1.2.3", "inf", "nan", "0x10", "1_000", "30s", "1e+", "١"] {
            assert_eq!(decimal_number(s), None, "{s}");
        }
    }

    #[test]
    fn parse_error_offsets_land_on_character_boundaries() {
        assert_eq!(ParseError::new("aé", 2, "x").offset, 1);
        assert_eq!(ParseError::new("ab", 99, "x").offset, 2);
        assert_eq!(ParseError::too_deep("", 0).to_string(), "nesting deeper than 128 levels (at byte 0)");
    }
}
