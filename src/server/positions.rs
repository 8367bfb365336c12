//! Positions as the client counts them: a line and a column in UTF-8 bytes (when the client
//! offers `utf-8`) or UTF-16 code units (LSP's default), to and from poolcheck's byte offsets.
//! Positions past a line's end or the text's end are clamped, as the protocol asks.

use lsp_types::{Position, PositionEncodingKind, Range};

/// How columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 bytes.
    Utf8,
    /// UTF-16 code units.
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it, else UTF-16 (which every client understands).
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    /// The protocol's name for it.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// The position of a byte offset of `text` (a line break ends a line; an offset inside a
/// character counts from that character's start).
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count();
    let column: usize = text[line_start..offset].chars().map(|c| encoding.width(c)).sum();
    Position { line: saturate(line), character: saturate(column) }
}

/// The range of a byte range of `text`.
pub fn range(text: &str, bytes: std::ops::Range<usize>, encoding: Encoding) -> Range {
    Range { start: position(text, bytes.start, encoding), end: position(text, bytes.end, encoding) }
}

/// The byte offset of a position in `text`: a line past the end is the end of the text, a
/// column past the line's end is the line's end, a column inside a character is its start.
pub fn offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match memchr::memchr(b'\n', &text.as_bytes()[line_start..]) {
            Some(n) => line_start += n + 1,
            None => return text.len(),
        }
    }
    let line_end = memchr::memchr(b'\n', &text.as_bytes()[line_start..]).map_or(text.len(), |n| line_start + n);
    let line = text[line_start..line_end].strip_suffix('\r').unwrap_or(&text[line_start..line_end]);
    let wanted = position.character as usize;
    let mut column = 0;
    for (at, c) in line.char_indices() {
        let next = column + encoding.width(c);
        if next > wanted {
            return line_start + at;
        }
        column = next;
    }
    line_start + line.len()
}

/// The byte range of a range of `text`, its ends in order.
pub fn byte_range(text: &str, range: Range, encoding: Encoding) -> std::ops::Range<usize> {
    let (a, b) = (offset(text, range.start, encoding), offset(text, range.end, encoding));
    a.min(b)..a.max(b)
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "let s = \"é😀\"; drop(conn);\r\nx\n";

    #[test]
    fn columns_count_the_negotiated_units() {
        let at = TEXT.find("drop").unwrap();
        // `é` is 2 bytes and 1 UTF-16 unit; `😀` is 4 bytes and 2 units
        assert_eq!(position(TEXT, at, Encoding::Utf8), Position { line: 0, character: 18 });
        assert_eq!(position(TEXT, at, Encoding::Utf16), Position { line: 0, character: 15 });
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(offset(TEXT, position(TEXT, at, encoding), encoding), at);
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let end_of_first_line = TEXT.find('\r').unwrap();
        assert_eq!(offset(TEXT, Position { line: 0, character: 999 }, Encoding::Utf16), end_of_first_line);
        assert_eq!(offset(TEXT, Position { line: 99, character: 0 }, Encoding::Utf16), TEXT.len());
        // inside the surrogate pair of `😀`: its start
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(offset(TEXT, Position { line: 0, character: 11 }, Encoding::Utf16), emoji);
        assert_eq!(position(TEXT, emoji + 1, Encoding::Utf8), position(TEXT, emoji, Encoding::Utf8));
        assert_eq!(position(TEXT, 10_000, Encoding::Utf8), Position { line: 2, character: 0 });
    }

    #[test]
    fn encodings_are_negotiated_from_the_clients_offer() {
        let offer = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offer)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(Some(&offer[..1])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
