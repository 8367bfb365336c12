//! The documents the client has open: their text and version, kept in step with the client's
//! edits (whole texts, or ranges in the negotiated position encoding).

use super::positions::{self, Encoding};
use lsp_types::{TextDocumentContentChangeEvent, Url};
use std::collections::HashMap;

/// One open document.
#[derive(Debug)]
pub struct Document {
    /// The client's version of it.
    pub version: i32,
    /// Its text as the client has it.
    pub text: String,
}

/// Every open document, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Url, Document>,
}

impl Documents {
    /// Records a document the client opened.
    pub fn open(&mut self, uri: Url, version: i32, text: String) {
        self.open.insert(uri, Document { version, text });
    }

    /// Applies the client's edits to an open document, in order; `false` when it is not open.
    /// A range that does not fit the text is clamped to it.
    pub fn change(
        &mut self,
        uri: &Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let Some(document) = self.open.get_mut(uri) else { return false };
        for change in changes {
            match change.range {
                Some(range) => {
                    let bytes = positions::byte_range(&document.text, range, encoding);
                    document.text.replace_range(bytes, &change.text);
                }
                None => document.text = change.text,
            }
        }
        document.version = version;
        true
    }

    /// Forgets a document the client closed.
    pub fn close(&mut self, uri: &Url) {
        self.open.remove(uri);
    }

    /// An open document.
    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.open.get(uri)
    }

    /// Every open document.
    pub fn iter(&self) -> impl Iterator<Item = (&Url, &Document)> {
        self.open.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        let range = Range { start: Position::new(start.0, start.1), end: Position::new(end.0, end.1) };
        TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: text.into() }
    }

    #[test]
    fn edits_apply_in_order_in_the_negotiated_encoding() {
        let uri = Url::parse("file:///w/src/lib.rs").unwrap();
        let mut docs = Documents::default();
        docs.open(uri.clone(), 1, "// é😀\nforget(conn);\n".into());
        // `😀` ends at UTF-16 column 6 on line 0
        let changes = vec![edit((0, 6), (0, 6), "!"), edit((1, 0), (1, 6), "drop")];
        assert!(docs.change(&uri, 2, changes, Encoding::Utf16));
        assert_eq!(docs.get(&uri).unwrap().text, "// é😀!\ndrop(conn);\n");
        // past the end: clamped, never a panic
        assert!(docs.change(&uri, 3, vec![edit((9, 9), (0, 200), "x")], Encoding::Utf8));
        assert_eq!(docs.get(&uri).unwrap().text, "// é😀!x");
        assert_eq!(docs.get(&uri).unwrap().version, 3);
        let unknown = Url::parse("file:///w/other.rs").unwrap();
        assert!(!docs.change(&unknown, 1, vec![], Encoding::Utf8));
    }
}
