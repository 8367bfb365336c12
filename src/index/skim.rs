//! A cheaper parse for the index: the facts of a file ([`super::FileFacts`]) come from its items
//! (imports, aliases, structs, signatures, statics, constants) and from the constants its code
//! names, never from the rest of a function body, from comments, or from attributes other than
//! `Deref` derives and `#[deref]` markers. So before
//! `syn` parses a file for its facts, a byte scanner cuts those out of the text: the contents of
//! body groups that hold neither an item nor a constant-like name, every attribute and every
//! comment. `syn` then lexes and parses a fraction of the file. Pass 2 parses the file in full
//! for the analysis.
//!
//! The facts of a skimmed file are those of the whole file by construction: a group is emptied
//! only in expression position inside a body, and only when it holds no token the extractor
//! could record (an item keyword, which every nested item, `use` included, starts with; or a
//! `SCREAMING_CASE` identifier, which every constant reference is). Unit tests check the
//! equality on every fixture; text the scanner does not understand (an unclosed string or
//! group) is parsed whole.

/// Keywords that start an item, or may: a group holding one is never emptied.
const ITEM_KEYWORDS: &[&str] = &[
    "fn",
    "use",
    "struct",
    "enum",
    "union",
    "type",
    "const",
    "static",
    "impl",
    "trait",
    "mod",
    "extern",
    "macro_rules",
];

/// Parses a file with the parts that cannot contribute facts cut out. When the scanner cannot
/// follow the text, or the skimmed text does not parse, the file is parsed whole (once), so an
/// error always comes from the whole text, with its positions.
pub fn parse(text: &str) -> syn::Result<syn::File> {
    match skim(text).map(|skimmed| syn::parse_file(&skimmed)) {
        Some(Ok(file)) => Ok(file),
        _ => syn::parse_file(text),
    }
}

/// The text with bodies emptied and attributes and comments cut, or `None` when the scanner
/// cannot follow it.
fn skim(text: &str) -> Option<String> {
    let (tokens, comments) = scan(text)?;
    let mut skimmer = Skimmer { text, tokens: &tokens, cuts: comments };
    skimmer.items_or_block(0, tokens.len(), Level::Items);
    let mut cuts = skimmer.cuts;
    cuts.sort_unstable_by_key(|c| c.start);
    let mut out = String::with_capacity(text.len() / 2);
    let mut at = 0;
    for cut in cuts {
        if cut.start < at {
            continue; // inside an earlier cut (a comment in an emptied body)
        }
        out.push_str(&text[at..cut.start]);
        if cut.space {
            out.push(' ');
        }
        at = cut.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// A byte range cut from the text; `space` keeps the tokens on each side apart.
#[derive(Clone, Copy)]
struct Cut {
    start: usize,
    end: usize,
    space: bool,
}

/// What a scanned token is, as far as the skimmer cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An identifier or keyword (raw ones included, as written: `r#type`).
    Ident,
    /// A lifetime or label: `'a`, `'static`.
    Lifetime,
    /// A string, character or number literal.
    Literal,
    /// One punctuation byte.
    Punct(u8),
    /// `(`, `[` or `{`, with the index of the token that closes it.
    Open(u8, u32),
    /// `)`, `]` or `}`.
    Close,
}

/// A token: its kind and byte range.
#[derive(Clone, Copy)]
struct Token {
    kind: Kind,
    start: u32,
    end: u32,
}

/// Tokens of a text (comments are not tokens; their ranges come back as cuts), or `None` for
/// text the scanner cannot follow: an unclosed string, comment or group, a stray closer.
fn scan(text: &str) -> Option<(Vec<Token>, Vec<Cut>)> {
    let b = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 4);
    let mut comments = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                i += 1;
                continue;
            }
            b'/' if at(i + 1) == b'/' => {
                i = line_end(b, i);
                comments.push(Cut { start, end: i, space: true });
                continue;
            }
            b'/' if at(i + 1) == b'*' => {
                i = block_comment_end(b, i)?;
                comments.push(Cut { start, end: i, space: true });
                continue;
            }
            b'"' => {
                i = string_end(b, i + 1)?;
                Kind::Literal
            }
            b'\'' => match quote(text, i)? {
                (end, true) => {
                    i = end;
                    Kind::Literal
                }
                (end, false) => {
                    i = end;
                    Kind::Lifetime
                }
            },
            b'b' | b'c' | b'r' if literal_prefix(b, i).is_some() => {
                i = literal_prefix(b, i).and_then(|(quote_at, hashes)| literal_end(text, quote_at, hashes))?;
                Kind::Literal
            }
            b'r' if at(i + 1) == b'#' && is_ident_start(at(i + 2)) => {
                i = ident_end(b, i + 2);
                Kind::Ident
            }
            c if is_ident_start(c) => {
                i = ident_end(b, i);
                Kind::Ident
            }
            b'0'..=b'9' => {
                i = ident_end(b, i);
                Kind::Literal
            }
            b'(' | b'[' | b'{' => {
                open.push(tokens.len());
                i += 1;
                Kind::Open(c, 0)
            }
            b')' | b']' | b'}' => {
                let opener = open.pop()?;
                let Kind::Open(o, _) = tokens[opener].kind else { return None };
                if !matches!((o, c), (b'(', b')') | (b'[', b']') | (b'{', b'}')) {
                    return None;
                }
                tokens[opener].kind = Kind::Open(o, u32::try_from(tokens.len()).ok()?);
                i += 1;
                Kind::Close
            }
            _ => {
                i += 1;
                Kind::Punct(c)
            }
        };
        tokens.push(Token { kind, start: u32::try_from(start).ok()?, end: u32::try_from(i).ok()? });
    }
    open.is_empty().then_some((tokens, comments))
}

/// The end of a `//` comment: its newline (or the end of the text).
fn line_end(b: &[u8], from: usize) -> usize {
    b[from..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| from + p)
}

/// The end of a (nested) block comment starting at `from`.
fn block_comment_end(b: &[u8], from: usize) -> Option<usize> {
    let (mut depth, mut i) = (0usize, from);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of a string whose content starts at `from` (escapes honoured).
fn string_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// After a `'`: a character literal (`'x'`, `'\n'`, `'\u{1F600}'`) and its end, or a
/// lifetime or label (`'a`) and its end.
fn quote(text: &str, at: usize) -> Option<(usize, bool)> {
    let b = text.as_bytes();
    if b.get(at + 1) == Some(&b'\\') {
        let close = b.get(at + 3..)?.iter().position(|&c| c == b'\'')?;
        return Some((at + 3 + close + 1, true));
    }
    let c = text.get(at + 1..)?.chars().next()?;
    let after = at + 1 + c.len_utf8();
    if b.get(after) == Some(&b'\'') {
        return Some((after + 1, true));
    }
    Some((ident_end(b, at + 1), false))
}

/// If a string-like literal starts at `at` (`b"`, `b'`, `c"`, `r"`, `r#"`, `br#"`, `cr"` …):
/// the index of its opening quote and its number of `#`.
fn literal_prefix(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    if matches!(b[i], b'b' | b'c') {
        i += 1;
        if b.get(i) == Some(&b'\'') && b[at] == b'b' {
            return Some((i, usize::MAX));
        }
    }
    if b.get(i) == Some(&b'r') {
        i += 1;
        let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
        return (b.get(i + hashes) == Some(&b'"')).then_some((i + hashes, hashes));
    }
    (i > at && b.get(i) == Some(&b'"')).then_some((i, 0))
}

/// The end of a string-like literal whose opening quote is at `quote_at`: raw with `hashes`
/// (`usize::MAX` marks a byte character).
fn literal_end(text: &str, quote_at: usize, hashes: usize) -> Option<usize> {
    let b = text.as_bytes();
    if hashes == usize::MAX {
        return quote(text, quote_at).filter(|(_, is_char)| *is_char).map(|(end, _)| end);
    }
    let raw = quote_at > 0 && (b[quote_at - 1] == b'#' || b[quote_at - 1] == b'r');
    if !raw {
        return string_end(b, quote_at + 1);
    }
    let mut i = quote_at + 1;
    loop {
        let close = i + b.get(i..)?.iter().position(|&c| c == b'"')?;
        let tail = b.get(close + 1..close + 1 + hashes)?;
        if tail.iter().all(|&c| c == b'#') {
            return Some(close + 1 + hashes);
        }
        i = close + 1;
    }
}

/// A byte of an identifier (ASCII letters, digits, `_`; a non-ASCII byte counts too, as part
/// of some word).
pub fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_ident_start(c: u8) -> bool {
    is_word_byte(c) && !c.is_ascii_digit()
}

/// The end of the identifier-like run (letters, digits, `_`, any non-ASCII) from `from`.
fn ident_end(b: &[u8], from: usize) -> usize {
    b[from..].iter().position(|&c| !is_word_byte(c)).map_or(b.len(), |p| from + p)
}

/// Where a group of tokens sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// A file, module, `impl`, `trait` or `extern` block: items only.
    Items,
    /// A function body (or a group inside one): statements and expressions, maybe items.
    Block,
}

/// What the tokens since the last item keyword belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    /// Statements or expressions (in a body), or nothing yet (at item level).
    None,
    /// A function's signature: the next brace group at angle depth 0 is its body.
    Signature,
    /// A `struct`, `enum`, `union`, `trait`, `impl`, `mod` or `extern` header: the next brace
    /// group at angle depth 0 holds items (or fields), kept.
    ItemBody,
    /// A `use`, `const`, `static` or `type` item: kept whole, to its `;`.
    Verbatim,
    /// A `macro_rules!` definition: kept whole, to its `;` or its braced rules.
    MacroRules,
}

/// Walks the tokens and records what to cut.
struct Skimmer<'a> {
    text: &'a str,
    tokens: &'a [Token],
    cuts: Vec<Cut>,
}

impl Skimmer<'_> {
    fn text_of(&self, t: Token) -> &str {
        &self.text[t.start as usize..t.end as usize]
    }

    fn is_punct(&self, i: usize, c: u8) -> bool {
        i < self.tokens.len() && self.tokens[i].kind == Kind::Punct(c)
    }

    /// Empties the contents of the group opened at `open` (closed at `close`).
    fn empty(&mut self, open: usize, close: usize) {
        let (start, end) = (self.tokens[open].end as usize, self.tokens[close].start as usize);
        self.cuts.push(Cut { start, end, space: false });
    }

    /// Whether tokens `lo..hi` (nested ones included) hold an item keyword or a
    /// constant-like name.
    fn holds_facts(&self, lo: usize, hi: usize) -> bool {
        self.tokens[lo..hi].iter().any(|&t| {
            t.kind == Kind::Ident && {
                let name = self.text_of(t);
                ITEM_KEYWORDS.contains(&name) || is_screaming(name)
            }
        })
    }

    /// Skims the tokens `lo..hi` of one group (or the file) at `level`.
    fn items_or_block(&mut self, lo: usize, hi: usize, level: Level) {
        let mut header = Header::None;
        // depth of generic angle brackets in a header, so that a braced const argument
        // (`Foo<{ N }>`) is not taken for a body
        let mut angles: i32 = 0;
        // since the header's keyword: no `:`, `=` or `for` yet (`const fn`, `extern "C" fn`,
        // as opposed to `static F: fn()`)
        let mut bare = false;
        let mut prev: Option<Token> = None;
        let mut i = lo;
        while i < hi {
            let token = self.tokens[i];
            let next = match token.kind {
                Kind::Open(_, close) => close as usize + 1,
                _ => i + 1,
            };
            // attributes (doc comments are most of them) give no facts: cut, outside the
            // items kept whole
            if token.kind == Kind::Punct(b'#') && !matches!(header, Header::Verbatim | Header::MacroRules) {
                let bracket = if self.is_punct(i + 1, b'!') { i + 2 } else { i + 1 };
                if let Some(Token { kind: Kind::Open(b'[', close), .. }) = self.tokens.get(bracket).copied() {
                    let end = self.tokens[close as usize].end as usize;
                    // except `#[derive(Deref)]` and `#[deref]`: they give a `Deref` target
                    if !self.text[token.start as usize..end].contains("eref") {
                        self.cuts.push(Cut { start: token.start as usize, end, space: true });
                    }
                    i = close as usize + 1;
                    continue;
                }
            }
            let after = |c: u8| prev.is_some_and(|p| p.kind == Kind::Punct(c));
            let after_arrow_dash = prev.is_some_and(|p| p.kind == Kind::Punct(b'-') && p.end == token.start);
            let after_pub = prev.is_some_and(|p| p.kind == Kind::Ident && self.text_of(p) == "pub");
            match token.kind {
                Kind::Ident => match self.text_of(token) {
                    "fn" if header != Header::Signature && (header == Header::None || bare) => {
                        header = Header::Signature;
                        angles = 0;
                    }
                    "for" => bare = false,
                    name if header == Header::None => {
                        match name {
                            "struct" | "enum" | "union" | "trait" | "impl" | "mod" | "extern" => {
                                header = Header::ItemBody
                            }
                            "use" | "const" | "static" | "type" => header = Header::Verbatim,
                            "macro_rules" => header = Header::MacroRules,
                            _ => {}
                        }
                        angles = 0;
                        bare = true;
                    }
                    _ => {}
                },
                Kind::Punct(p) => match p {
                    b'<' => angles += 1,
                    b'>' if !after_arrow_dash => angles -= 1,
                    b';' if angles <= 0 || matches!(header, Header::Verbatim | Header::MacroRules) => {
                        header = Header::None
                    }
                    b':' | b'=' => bare = false,
                    _ => {}
                },
                Kind::Open(delimiter, close) => {
                    let close = close as usize;
                    match (delimiter, header) {
                        (b'{', Header::MacroRules) => header = Header::None,
                        // items kept whole stay as written
                        (_, Header::Verbatim | Header::MacroRules) => {}
                        (b'{', Header::Signature | Header::ItemBody) if angles <= 0 => {
                            if header == Header::ItemBody {
                                self.items_or_block(i + 1, close, Level::Items);
                            } else if self.holds_facts(i + 1, close) {
                                self.items_or_block(i + 1, close, Level::Block);
                            } else {
                                self.empty(i, close);
                            }
                            header = Header::None;
                        }
                        (_, Header::Signature | Header::ItemBody) => {}
                        // so do macro invocations (in a signature, `-> ! {` is a body)
                        _ if after(b'!') => {}
                        (b'{', Header::None) if level == Level::Items => {
                            self.items_or_block(i + 1, close, Level::Items)
                        }
                        // in a body: a block, closure body, struct literal, match, call's
                        // arguments, tuple; `pub(crate)` stays (an item's visibility), and
                        // `[…]` is never emptied (`x[i]`, `[T; N]` need their content)
                        (b'{' | b'(', Header::None)
                            if level == Level::Block && !after_pub && !self.holds_facts(i + 1, close) =>
                        {
                            self.empty(i, close)
                        }
                        (_, Header::None) if level == Level::Block => self.items_or_block(i + 1, close, Level::Block),
                        _ => {}
                    }
                }
                Kind::Lifetime | Kind::Literal | Kind::Close => {}
            }
            prev = Some(token);
            i = next;
        }
    }
}

/// `SCREAMING_CASE`: the shape of a constant's name, as the extractor records it.
pub fn is_screaming(name: &str) -> bool {
    name.len() > 1
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::index::{module_of, FileFacts};

    /// Facts of a file parsed whole, and skimmed; with how many bytes the skim cut.
    fn both(text: &str) -> (FileFacts, FileFacts, usize) {
        let catalog = Catalog::embedded();
        let module = module_of("src/db.rs".as_ref());
        let whole = FileFacts::extract(&syn::parse_file(text).expect("parses"), catalog, module.clone());
        let skimmed = FileFacts::extract(&parse(text).expect("skim parses"), catalog, module);
        let dropped = text.len() - skim(text).expect("the scanner follows the text").len();
        proc_macro2::extra::invalidate_current_thread_spans();
        (whole, skimmed, dropped)
    }

    #[test]
    fn skimmed_facts_equal_whole_facts_on_every_fixture() {
        let (mut files, mut dropped) = (0, 0);
        for path in crate::fixture_rust_files() {
            let text = std::fs::read_to_string(&path).unwrap();
            if syn::parse_file(&text).is_err() {
                continue;
            }
            let (whole, skimmed, n) = both(&text);
            assert_eq!(whole, skimmed, "{}", path.display());
            files += 1;
            dropped += n;
        }
        assert!(files >= 40, "only {files} fixtures compared");
        assert!(dropped > 100_000, "the skim cut only {dropped} bytes");
    }

    #[test]
    fn shapes_that_look_like_bodies_or_hide_facts_keep_them() {
        let text = r#"
            #![allow(dead_code)]
            //! Inner docs.
            use sqlx::PgPool;
            /// A documented alias, `type X = u8;` in its docs.
            #[cfg_attr(test, allow(unused))]
            pub type Db = PgPool;
            #[derive(Clone)]
            pub struct Tagged { #[serde(default = "DEFAULT_POOL")] pool: Db, #[doc = "x"] size: u32 }
            macro_rules! repeat { ($x:expr) => { fn ignored() { $x } }; }
            const LIMIT: u32 = { let base = 4; base * 2 };
            const CALLBACK: fn() -> u32 = || { 3 };
            static NAME: &'static str = "x";
            pub struct Holder<const N: usize> { pool: PgPool }
            impl<const N: usize> Holder<N> {
                pub const fn size() -> [u8; { N }] { [0; N] }
                pub fn arrays() -> Holder<{ 1 + 2 }> { todo!() }
                fn with_use(&self) -> u32 {
                    use std::sync::Arc as Shared;
                    let union = vec![1].len();
                    let _ = Shared::new(union);
                    helper(|x: (u8, u8)| { x.0 as u32 })
                }
                fn with_const(&self) -> u32 { if true { MAX_POOL } else { 0 } }
                fn in_macro(&self) -> u32 { format!("{}", HIDDEN).len() as u32 }
                fn nested(&self) {
                    pub(crate) struct Local { pool: sqlx::PgPool }
                    fn inner(pool: &PgPool) -> Option<Local> { let _ = pool; None }
                    type Alias = PgPool;
                    let _: Option<Alias> = None;
                }
                fn lifetimes<'a>(&'a self, s: &'static str) -> &'a str { s }
                fn arrow<F: Fn(u8) -> u8>(f: F) -> impl Fn(u8) -> u8 where F: Clone { move |x| f(x) }
            }
            impl Clone for fn() -> u8 { fn clone(&self) -> Self { *self } }
            extern "C" fn exported(x: u32) -> u32 { x + 1 }
            unsafe extern "C" { fn imported(x: u32) -> u32; }
            trait Repo { const TABLE: &'static str; fn default_size(&self) -> u32 { 5 } fn size(&self) -> u32; }
            mod inner { pub fn deep() -> u32 { let v = (1, 2); v.0 } }
        "#;
        let (whole, skimmed, dropped) = both(text);
        assert_eq!(whole, skimmed);
        assert!(whole.const_refs.contains(&"MAX_POOL".to_owned()));
        assert!(whole.uses.names.contains_key("Shared"));
        assert!(whole.structs.iter().any(|s| s.name == "Local"));
        assert!(whole.fns.iter().any(|f| f.name == "inner"));
        assert!(dropped > 200, "the skim cut only {dropped} bytes");
    }

    #[test]
    fn literals_comments_and_lifetimes_do_not_mislead_the_scanner() {
        let text = r####"
            /* a nested /* block */ comment with { braces } and fn */
            pub fn strings(pool: &sqlx::PgPool) -> usize {
                let a = "} fn struct { \" }";
                let b = r#"raw } with "quotes" and fn"#;
                let c = br##"raw bytes "# still inside"##;
                let d = ['{', '}', '"', '\'', '\\', '\u{7D}'];
                let e = b'}';
                let r#type = 1; // } fn
                a.len() + b.len() + c.len() + d.len() + e as usize + r#type
            }
            pub fn labels<'a>(x: &'a str) -> &'a str { 'outer: loop { break 'outer x; } }
            pub fn never() -> ! { loop {} }
            pub struct AfterNever { pool: sqlx::PgPool }
            pub const AFTER: u32 = 1;
        "####;
        let (whole, skimmed, dropped) = both(text);
        assert_eq!(whole, skimmed);
        assert!(whole.consts.iter().any(|(name, _)| name == "AFTER"));
        assert!(dropped > 200, "the skim cut only {dropped} bytes");
        // what the scanner cannot follow is parsed whole
        for broken in ["fn f() { \"unclosed }", "fn f() { /* unclosed }", "fn f() { ) }", "fn f() {"] {
            assert!(skim(broken).is_none(), "{broken}");
        }
    }

    #[test]
    fn a_body_without_items_or_constants_is_emptied_and_its_signature_kept() {
        let file = parse("pub async fn load(pool: &sqlx::PgPool) -> u64 { let c = pool.acquire().await; c.len() }")
            .expect("parses");
        let syn::Item::Fn(f) = &file.items[0] else { panic!("a function") };
        assert!(f.block.stmts.is_empty());
        assert_eq!(f.sig.inputs.len(), 1);
    }

    #[test]
    fn a_syntax_error_inside_a_body_is_left_to_the_full_parse() {
        let text = "fn broken() { let x = ; }\nstruct Kept { a: u8 }";
        assert!(syn::parse_file(text).is_err());
        let file = parse(text).expect("the skimmed file parses");
        assert_eq!(file.items.len(), 2);
    }
}
