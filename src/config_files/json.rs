//! JSON through `jsonc-parser`'s AST, whose ranges are byte offsets. Comments and trailing
//! commas are accepted (configuration files have them); the other JSON5 extensions are not.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

use super::{decimal_number, LeafValue, Node, ParseError, MAX_DEPTH};

/// The document as a [`Node`] tree.
pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options)
        .map_err(|e| ParseError::new(text, e.range().start, e.kind().to_string()))?;
    match parsed.value {
        Some(value) => node(text, value, 1),
        None => Ok(Node::Other),
    }
}

/// A value at nesting `depth`.
fn node(text: &str, value: Value<'_>, depth: usize) -> Result<Node, ParseError> {
    let range = value.range();
    let span = range.start..range.end;
    if depth > MAX_DEPTH && matches!(value, Value::Object(_) | Value::Array(_)) {
        return Err(ParseError::too_deep(text, span.start));
    }
    Ok(match value {
        Value::StringLit(s) => Node::Leaf(LeafValue::Str(s.value.into_owned()), span),
        Value::NumberLit(n) => decimal_number(n.value).map_or(Node::Other, |n| Node::Leaf(n, span)),
        Value::BooleanLit(b) => Node::Leaf(LeafValue::Bool(b.value), span),
        Value::NullKeyword(_) => Node::Other,
        Value::Array(array) => {
            Node::List(array.elements.into_iter().map(|item| node(text, item, depth + 1)).collect::<Result<_, _>>()?)
        }
        Value::Object(object) => {
            let entries = object.properties.into_iter().map(|prop| {
                let key = match prop.name {
                    ObjectPropName::String(s) => s.value.into_owned(),
                    ObjectPropName::Word(w) => w.value.to_owned(),
                };
                Ok((key, node(text, prop.value, depth + 1)?))
            });
            Node::Map(entries.collect::<Result<_, _>>()?, span)
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{leaves, Format, Leaf, LeafValue};

    fn parse(text: &str) -> Vec<Leaf> {
        leaves(Format::Json, text).expect("valid JSON")
    }

    /// (path joined with dots, source text of the span) of every leaf.
    fn sources<'t>(text: &'t str, leaves: &[Leaf]) -> Vec<(String, &'t str)> {
        leaves.iter().map(|l| (l.path.join("."), &text[l.span.clone()])).collect()
    }

    #[test]
    fn nested_objects_with_exact_spans() {
        let text = r#"{
  "database": {
    "replica": { "max_connections": 100, "ratio": 2.5e-1, "url": "postgres://é\"q\"" },
    // comment
    "lazy": false, "none": null,
  }
}"#;
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("database.replica.max_connections".into(), "100"),
                ("database.replica.ratio".into(), "2.5e-1"),
                ("database.replica.url".into(), r#""postgres://é\"q\"""#),
                ("database.lazy".into(), "false"),
            ]
        );
        let values: Vec<_> = got.into_iter().map(|l| l.value).collect();
        assert_eq!(
            values,
            [
                LeafValue::Int(100),
                LeafValue::Float(0.25),
                LeafValue::Str("postgres://é\"q\"".into()),
                LeafValue::Bool(false),
            ]
        );
    }

    #[test]
    fn big_integers_become_floats() {
        let text = "[-170141183460469231731687303715884105728, 1e2, 340282366920938463463374607431768211456]";
        let values: Vec<_> = parse(text).into_iter().map(|l| l.value).collect();
        assert_eq!(values, [LeafValue::Int(i128::MIN), LeafValue::Float(100.0), LeafValue::Float(2f64.powi(128))]);
    }

    #[test]
    fn duration_shaped_objects_are_one_leaf() {
        let text = r#"{"pool": {"acquire": {"secs": 2, "nanos": 0}, "idle": {"secs": 2, "nanos": 0.5}}}"#;
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("pool.acquire".into(), r#"{"secs": 2, "nanos": 0}"#),
                ("pool.idle.secs".into(), "2"),
                ("pool.idle.nanos".into(), "0.5"),
            ]
        );
        assert_eq!(got[0].value, LeafValue::Duration(Duration::from_secs(2)));
    }

    #[test]
    fn array_items_contribute_no_segment() {
        let text = r#"{"databases": [{"max_size": 4}, {"max_size": 8, "ports": [5432, "x"]}], "top": "30s"}"#;
        assert_eq!(
            sources(text, &parse(text)),
            [
                ("databases.max_size".into(), "4"),
                ("databases.max_size".into(), "8"),
                ("databases.ports".into(), "5432"),
                ("databases.ports".into(), "\"x\""),
                ("top".into(), "\"30s\""),
            ]
        );
    }

    #[test]
    fn malformed_document_is_an_error_at_the_fault() {
        let err = leaves(Format::Json, "{\"a\": 1,\n \"b\": }").expect_err("missing value");
        assert_eq!(err.offset, 15);
        let err = leaves(Format::Json, "{'a': 1}").expect_err("single quotes");
        assert_eq!(err.offset, 1);
        assert!(leaves(Format::Json, "{\"a\": 1").is_err());
        assert!(leaves(Format::Json, "{\"a\": 1} 2").is_err());
        assert!(leaves(Format::Json, "[0x10]").is_err());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let ok = format!("{}1{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(parse(&ok).len(), 1);
        let deep = format!("{}1{}", "[".repeat(129), "]".repeat(129));
        let err = leaves(Format::Json, &deep).expect_err("too deep");
        assert_eq!(err.offset, 128);
        let very_deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        assert!(leaves(Format::Json, &very_deep).is_err());
    }

    #[test]
    fn empty_document_has_no_leaves() {
        assert_eq!(parse(""), []);
        assert_eq!(parse("  // nothing\n"), []);
        assert_eq!(parse("{}"), []);
    }
}
