//! Source files as poolcheck keeps them: the text once, a line index, and byte-offset spans.

use std::ops::Range;
use std::path::PathBuf;

/// Index of a file in a scan's [`SourceMap`].
pub type FileId = usize;

/// A byte range in one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The byte range.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// One scanned file: its path as the user named it and, when it was read, its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path used to open the file.
    pub path: PathBuf,
    /// Path shown in reports (relative, `/`-separated, no leading `./`).
    pub name: String,
    /// The text, when the file was read as UTF-8.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file with its text; the line index is computed here.
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        let line_starts = line_starts(&text);
        SourceFile { path, name, text, line_starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// 0-based line containing `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Byte offsets at which lines start.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// Byte range of 0-based line `line` (without its newline), if it exists.
    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line)?;
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let text = &self.text[start..end];
        let trimmed = text.trim_end_matches(['\n', '\r']).len();
        Some(start..start + trimmed)
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(newlines(text.as_bytes()).map(|i| i + 1)).collect()
}

fn newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter_map(|(i, &b)| (b == b'\n').then_some(i))
}

/// Every file of a scan, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.files.get(id).ok_or(codespan_reporting::files::Error::FileMissing)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.files.get(id).ok_or(codespan_reporting::files::Error::FileMissing)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.files.get(id).ok_or(codespan_reporting::files::Error::FileMissing)?.line_index(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self.files.get(id).ok_or(codespan_reporting::files::Error::FileMissing)?;
        let start = *file.line_starts.get(line_index).ok_or(codespan_reporting::files::Error::LineTooLarge {
            given: line_index,
            max: file.line_starts.len() - 1,
        })?;
        let end = file.line_starts.get(line_index + 1).copied().unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let f = SourceFile::new("a.rs".into(), "a.rs".into(), "ab\né x\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // `x` is after a two-byte character: byte 6, column 3
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line_range(1), Some(3..7));
    }
}
