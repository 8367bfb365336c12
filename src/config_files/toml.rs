//! TOML through the `toml` crate's spanned document tree ([`DeTable`]).

use std::ops::Range;

use ::toml::de::{DeTable, DeValue};
use ::toml::Spanned;

use super::{LeafValue, Node, ParseError, MAX_DEPTH};

/// The document as a [`Node`] tree.
pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let root = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |span| span.start);
        ParseError::new(text, offset, e.message().trim_end())
    })?;
    table(text, root.get_ref(), root.span(), 1)
}

/// A table at nesting `depth`. Its span is the parser's (the inline table, or the header of a
/// `[table]`) widened over its entries, so a `[wait]` table covers its `secs = …` lines too.
fn table(text: &str, entries: &DeTable<'_>, span: Range<usize>, depth: usize) -> Result<Node, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::too_deep(text, span.start));
    }
    let mut whole = span;
    let mut nodes = Vec::with_capacity(entries.len());
    for (key, value) in entries.iter() {
        let value_span = value.span();
        whole = whole.start.min(value_span.start)..whole.end.max(value_span.end);
        nodes.push((key.get_ref().to_string(), node(text, value, depth + 1)?));
    }
    Ok(Node::Map(nodes, whole))
}

/// A value at nesting `depth`.
fn node(text: &str, value: &Spanned<DeValue<'_>>, depth: usize) -> Result<Node, ParseError> {
    let span = value.span();
    let leaf = |value| Ok(Node::Leaf(value, span.clone()));
    match value.get_ref() {
        DeValue::String(s) => leaf(LeafValue::Str(s.to_string())),
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(i) => leaf(LeafValue::Int(i)),
            Err(_) => Ok(Node::Other),
        },
        DeValue::Float(f) => match f.as_str().parse() {
            Ok(f) => leaf(LeafValue::Float(f)),
            Err(_) => Ok(Node::Other),
        },
        DeValue::Boolean(b) => leaf(LeafValue::Bool(*b)),
        DeValue::Datetime(_) => Ok(Node::Other),
        DeValue::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(ParseError::too_deep(text, span.start));
            }
            let items = items.iter().map(|item| node(text, item, depth + 1)).collect::<Result<_, _>>()?;
            Ok(Node::List(items))
        }
        DeValue::Table(entries) => table(text, entries, span, depth),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{leaves, Format, Leaf, LeafValue};

    fn parse(text: &str) -> Vec<Leaf> {
        leaves(Format::Toml, text).expect("valid TOML")
    }

    /// (path joined with dots, source text of the span) of every leaf.
    fn sources<'t>(text: &'t str, leaves: &[Leaf]) -> Vec<(String, &'t str)> {
        leaves.iter().map(|l| (l.path.join("."), &text[l.span.clone()])).collect()
    }

    #[test]
    fn nested_tables_and_dotted_keys_in_document_order() {
        let text = "name = \"api\"\n\n[database.replica]\nmax_connections = 100\npool.min_idle = 2\n\
                    timeout = 2.5\nlazy = true\nurl = 'postgres://x'\nborn = 1979-05-27\n";
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("name".into(), "\"api\""),
                ("database.replica.max_connections".into(), "100"),
                ("database.replica.pool.min_idle".into(), "2"),
                ("database.replica.timeout".into(), "2.5"),
                ("database.replica.lazy".into(), "true"),
                ("database.replica.url".into(), "'postgres://x'"),
            ]
        );
        let values: Vec<_> = got.into_iter().map(|l| l.value).collect();
        assert_eq!(
            values,
            [
                LeafValue::Str("api".into()),
                LeafValue::Int(100),
                LeafValue::Int(2),
                LeafValue::Float(2.5),
                LeafValue::Bool(true),
                LeafValue::Str("postgres://x".into()),
            ]
        );
    }

    #[test]
    fn integers_in_every_radix_and_strings_stay_strings() {
        let text = "a = 0x1F\nb = 0o17\nc = 0b101\nd = -1_000\ne = \"30s\"\nf = 1e3\n";
        let values: Vec<_> = parse(text).into_iter().map(|l| l.value).collect();
        assert_eq!(
            values,
            [
                LeafValue::Int(31),
                LeafValue::Int(15),
                LeafValue::Int(5),
                LeafValue::Int(-1000),
                LeafValue::Str("30s".into()),
                LeafValue::Float(1000.0),
            ]
        );
    }

    #[test]
    fn duration_shaped_tables_are_one_leaf() {
        let text = "[pool]\nwait = { secs = 2, nanos = 500 }\nidle = { secs = 1 }\n\n[reap]\nsecs = 30\nnanos = 0\n";
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("pool.wait".into(), "{ secs = 2, nanos = 500 }"),
                ("pool.idle.secs".into(), "1"),
                ("reap".into(), "[reap]\nsecs = 30\nnanos = 0"),
            ]
        );
        assert_eq!(got[0].value, LeafValue::Duration(Duration::new(2, 500)));
        assert_eq!(got[2].value, LeafValue::Duration(Duration::from_secs(30)));
    }

    #[test]
    fn arrays_of_tables_contribute_their_key_only() {
        let text = "[[databases]]\nmax_size = 4\n\n[[databases]]\nmax_size = 8\nports = [5432, 5433]\n";
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("databases.max_size".into(), "4"),
                ("databases.max_size".into(), "8"),
                ("databases.ports".into(), "5432"),
                ("databases.ports".into(), "5433"),
            ]
        );
    }

    #[test]
    fn malformed_document_is_an_error_at_the_fault() {
        let err = leaves(Format::Toml, "a = 1\nb = \n").expect_err("missing value");
        assert_eq!(err.offset, 10);
        let err = leaves(Format::Toml, "a = 1\na = 2\n").expect_err("duplicate key");
        assert_eq!(err.offset, 6);
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let arrays = format!("a = {}1{}", "[".repeat(200), "]".repeat(200));
        assert!(leaves(Format::Toml, &arrays).is_err());
        let tables = format!("a = {}1{}", "{ b = ".repeat(200), " }".repeat(200));
        assert!(leaves(Format::Toml, &tables).is_err());
        let header = format!("[{}]\nx = 1\n", vec!["t"; 200].join("."));
        assert!(leaves(Format::Toml, &header).is_err());
    }

    #[test]
    fn empty_document_has_no_leaves() {
        assert_eq!(parse(""), []);
        assert_eq!(parse("# only a comment\n\n"), []);
    }
}
