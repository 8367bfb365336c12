//! YAML through `saphyr-parser`'s event stream. Its markers count characters; they are turned
//! into byte offsets here. Plain scalars are typed by the YAML 1.2 core schema.

use std::borrow::Cow;
use std::ops::Range;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, StrInput, Tag};

use super::{decimal_number, LeafValue, Node, ParseError, MAX_DEPTH};

/// The stream as a [`Node`] tree: a list of its documents.
pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let char_starts =
        if text.is_ascii() { Vec::new() } else { text.char_indices().map(|(at, _)| at).chain([text.len()]).collect() };
    let mut reader = Reader { parser: Parser::new_from_str(text), text, char_starts, last_end: 0 };
    let mut documents = Vec::new();
    loop {
        let (event, span) = reader.next()?;
        match event {
            Event::StreamEnd => return Ok(Node::List(documents)),
            Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {}
            event => documents.push(reader.node(event, span, 1)?),
        }
    }
}

/// Pulls events off the parser with byte ranges.
struct Reader<'t> {
    parser: Parser<'t, StrInput<'t>>,
    text: &'t str,
    /// Byte offset of each character and of the end of the text; empty when the text is ASCII.
    char_starts: Vec<usize>,
    /// End of the last event that covered any text: where a block mapping ends.
    last_end: usize,
}

impl<'t> Reader<'t> {
    /// The byte offset of a marker.
    fn byte(&self, marker: Marker) -> usize {
        let index = marker.index();
        if self.char_starts.is_empty() {
            index.min(self.text.len())
        } else {
            self.char_starts.get(index).copied().unwrap_or(self.text.len())
        }
    }

    /// The next event and its byte range.
    fn next(&mut self) -> Result<(Event<'t>, Range<usize>), ParseError> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let range = self.range(span);
                if !range.is_empty() {
                    self.last_end = self.last_end.max(range.end);
                }
                Ok((event, range))
            }
            Some(Err(e)) => Err(ParseError::new(self.text, self.byte(*e.marker()), e.info())),
            None => Err(ParseError::new(self.text, self.text.len(), "unexpected end of YAML stream")),
        }
    }

    /// The byte range of a span.
    fn range(&self, span: Span) -> Range<usize> {
        let start = self.byte(span.start);
        start..self.byte(span.end).max(start)
    }

    /// The node that `event` starts, at nesting `depth`, reading up to its end.
    fn node(&mut self, event: Event<'t>, span: Range<usize>, depth: usize) -> Result<Node, ParseError> {
        match event {
            Event::Scalar(value, style, _, tag) => Ok(scalar(value, style, tag.as_deref(), span)),
            Event::Alias(_) => Ok(Node::Other),
            Event::SequenceStart(..) => {
                if depth > MAX_DEPTH {
                    return Err(ParseError::too_deep(self.text, span.start));
                }
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        (Event::SequenceEnd, _) => return Ok(Node::List(items)),
                        (event, span) => items.push(self.node(event, span, depth + 1)?),
                    }
                }
            }
            Event::MappingStart(..) => {
                if depth > MAX_DEPTH {
                    return Err(ParseError::too_deep(self.text, span.start));
                }
                let mut entries = Vec::new();
                loop {
                    let key = match self.next()? {
                        (Event::MappingEnd, _) => {
                            // A flow mapping's end event covers its `}`; a block mapping's is
                            // empty, and it ends with its last value.
                            return Ok(Node::Map(entries, span.start..self.last_end.max(span.start)));
                        }
                        (Event::Scalar(key, ..), _) => Some(key.into_owned()),
                        (event, span) => {
                            self.node(event, span, depth + 1)?;
                            None
                        }
                    };
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    // An entry under a complex key still counts for the duration shape.
                    entries.push(key.map_or((String::new(), Node::Other), |key| (key, value)));
                }
            }
            _ => Err(ParseError::new(self.text, span.start, "unexpected YAML event")),
        }
    }
}

/// A scalar: quoted and block scalars and `!!str` are strings, other plain scalars (and scalars
/// with another core tag) are typed by the core schema.
fn scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>, span: Range<usize>) -> Node {
    let typed = match tag {
        Some(tag) if tag.is_yaml_core_schema() => tag.suffix != "str",
        _ => style == ScalarStyle::Plain,
    };
    let value = if typed { core_schema(&value) } else { Some(LeafValue::Str(value.into_owned())) };
    value.map_or(Node::Other, |value| Node::Leaf(value, span))
}

/// A plain scalar by the YAML 1.2 core schema; `None` for null.
fn core_schema(s: &str) -> Option<LeafValue> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let radix = match s.get(..2) {
        Some("0x") => 16,
        Some("0o") => 8,
        _ => 10,
    };
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => return None,
        "true" | "True" | "TRUE" => LeafValue::Bool(true),
        "false" | "False" | "FALSE" => LeafValue::Bool(false),
        ".nan" | ".NaN" | ".NAN" => LeafValue::Float(f64::NAN),
        _ if matches!(unsigned, ".inf" | ".Inf" | ".INF") => {
            LeafValue::Float(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY })
        }
        _ => match s.get(2..).filter(|digits| radix != 10 && digits.chars().all(|c| c.is_digit(radix))) {
            Some(digits) => i128::from_str_radix(digits, radix).map_or(LeafValue::Str(s.to_owned()), LeafValue::Int),
            None => decimal_number(s).unwrap_or_else(|| LeafValue::Str(s.to_owned())),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{leaves, Format, Leaf, LeafValue};
    use super::core_schema;

    fn parse(text: &str) -> Vec<Leaf> {
        leaves(Format::Yaml, text).expect("valid YAML")
    }

    /// (path joined with dots, source text of the span) of every leaf.
    fn sources<'t>(text: &'t str, leaves: &[Leaf]) -> Vec<(String, &'t str)> {
        leaves.iter().map(|l| (l.path.join("."), &text[l.span.clone()])).collect()
    }

    #[test]
    fn nested_mappings_with_exact_spans() {
        let text = "database:\n  replica:\n    max_connections: 100   # comment\n    url: \"postgres://é\"\n\
                    \x20   ratio: 0.5\n    lazy: true\n    none: ~\n  name: 'primary'\n";
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("database.replica.max_connections".into(), "100"),
                ("database.replica.url".into(), "\"postgres://é\""),
                ("database.replica.ratio".into(), "0.5"),
                ("database.replica.lazy".into(), "true"),
                ("database.name".into(), "'primary'"),
            ]
        );
        let values: Vec<_> = got.into_iter().map(|l| l.value).collect();
        assert_eq!(
            values,
            [
                LeafValue::Int(100),
                LeafValue::Str("postgres://é".into()),
                LeafValue::Float(0.5),
                LeafValue::Bool(true),
                LeafValue::Str("primary".into()),
            ]
        );
    }

    #[test]
    fn byte_offsets_after_multibyte_characters() {
        let text = "\u{feff}# pool — réglages\nnom: \"é\"\npool: {max: 8}\n";
        assert_eq!(sources(text, &parse(text)), [("nom".into(), "\"é\""), ("pool.max".into(), "8")]);
    }

    #[test]
    fn duration_shaped_mappings_are_one_leaf() {
        let text = "pool:\n  acquire: {secs: 2, nanos: 500}\n  idle:\n    secs: 30\n    nanos: 0\n  \
                    other:\n    secs: 1\n    nanos: \"0\"\n";
        let got = parse(text);
        assert_eq!(
            sources(text, &got),
            [
                ("pool.acquire".into(), "{secs: 2, nanos: 500}"),
                ("pool.idle".into(), "secs: 30\n    nanos: 0"),
                ("pool.other.secs".into(), "1"),
                ("pool.other.nanos".into(), "\"0\""),
            ]
        );
        assert_eq!(got[0].value, LeafValue::Duration(Duration::new(2, 500)));
        assert_eq!(got[1].value, LeafValue::Duration(Duration::from_secs(30)));
    }

    #[test]
    fn sequence_items_contribute_no_segment() {
        let text = "replicas:\n  - host: a\n    max_size: 4\n  - host: b\n    max_size: 8\nports: [5432, 5433]\n";
        assert_eq!(
            sources(text, &parse(text)),
            [
                ("replicas.host".into(), "a"),
                ("replicas.max_size".into(), "4"),
                ("replicas.host".into(), "b"),
                ("replicas.max_size".into(), "8"),
                ("ports".into(), "5432"),
                ("ports".into(), "5433"),
            ]
        );
    }

    #[test]
    fn every_document_of_a_stream_is_read() {
        let text = "---\na: 1\n---\nb: 2\n...\n";
        assert_eq!(sources(text, &parse(text)), [("a".into(), "1"), ("b".into(), "2")]);
    }

    #[test]
    fn tags_aliases_and_complex_keys() {
        let text = "a: !!str 5\nb: &x 7\nc: *x\n? [k]\n: skipped\nd: \"30s\"\n";
        let values: Vec<_> = parse(text).into_iter().map(|l| (l.path.join("."), l.value)).collect();
        assert_eq!(
            values,
            [
                ("a".into(), LeafValue::Str("5".into())),
                ("b".into(), LeafValue::Int(7)),
                ("d".into(), LeafValue::Str("30s".into())),
            ]
        );
    }

    #[test]
    fn core_schema_types_plain_scalars() {
        assert_eq!(core_schema("42"), Some(LeafValue::Int(42)));
        assert_eq!(core_schema("-0x1"), Some(LeafValue::Str("-0x1".into())));
        assert_eq!(core_schema("0x1F"), Some(LeafValue::Int(31)));
        assert_eq!(core_schema("0o17"), Some(LeafValue::Int(15)));
        assert_eq!(core_schema("+12.5e1"), Some(LeafValue::Float(125.0)));
        assert_eq!(core_schema(".5"), Some(LeafValue::Float(0.5)));
        assert_eq!(core_schema("-.inf"), Some(LeafValue::Float(f64::NEG_INFINITY)));
        assert!(matches!(core_schema(".nan"), Some(LeafValue::Float(f)) if f.is_nan()));
        assert_eq!(core_schema("1e400"), Some(LeafValue::Float(f64::INFINITY)));
        assert_eq!(core_schema("99999999999999999999999999999999999999999"), Some(LeafValue::Float(1e41)));
        assert_eq!(core_schema("False"), Some(LeafValue::Bool(false)));
        assert_eq!(core_schema("null"), None);
        for s in ["yes", "inf", "1.2.3", ".", "1e", "e5", "0x", "0xZ", "1_000", "30s"] {
            assert_eq!(core_schema(s), Some(LeafValue::Str(s.into())), "{s}");
        }
    }

    #[test]
    fn malformed_document_is_an_error_at_the_fault() {
        let text = "a: [1, 2\nb: c: d\n";
        let err = leaves(Format::Yaml, text).expect_err("unclosed flow sequence");
        assert_eq!(err.offset, 10, "{err}");
        // The scanner stops at the scalar before the tab: character 3, byte 4.
        let err = leaves(Format::Yaml, "é: 1\n\tb: 2\n").expect_err("tab indentation");
        assert_eq!(err.offset, 4, "{err}");
        assert!(err.message.contains("tab"), "{err}");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let ok = format!("{}1{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(parse(&ok).len(), 1);
        let flow = format!("{}1{}", "[".repeat(129), "]".repeat(129));
        let err = leaves(Format::Yaml, &flow).expect_err("too deep");
        assert_eq!(err.offset, 128);
        assert!(err.message.contains("nesting"), "{err}");
        let unclosed = "{a: ".repeat(100_000);
        assert!(leaves(Format::Yaml, &unclosed).is_err());
        let block: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(leaves(Format::Yaml, &block).is_err());
    }

    #[test]
    fn empty_document_has_no_leaves() {
        assert_eq!(parse(""), []);
        assert_eq!(parse("# nothing\n---\n...\n"), []);
    }
}
