//! What a transaction's statements do, read from the code that uses it: the SQL text of the
//! queries run on it (string literals, `query!` macros included) and the query builders'
//! writing calls (`diesel::insert_into`, `.save(..)`). Statements that use the transaction
//! without showing their SQL (a helper given `&mut tx`, a query held in a constant) are
//! unknown, and unknown counts as writing.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// What the statements that use a transaction do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxWork {
    /// At least one writes, or might: the transaction matters.
    Writes,
    /// Every one is a query whose SQL only reads (`SELECT`, `WITH .. SELECT`); `locks` when one
    /// of them takes row locks (`FOR UPDATE`, `FOR SHARE`, `SKIP LOCKED`).
    ReadsOnly {
        /// Some read locks rows.
        locks: bool,
    },
}

/// SQL words that change data or schema.
const WRITE_WORDS: &[&str] = &[
    "insert", "update", "delete", "merge", "upsert", "replace", "create", "drop", "alter", "truncate", "grant", "copy",
];

/// Query-builder calls that write (diesel, sea-orm, mongodb-style APIs).
const WRITE_CALLS: &[&str] = &[
    "insert_into",
    "insert",
    "insert_many",
    "insert_one",
    "update",
    "update_many",
    "update_one",
    "delete",
    "delete_many",
    "delete_one",
    "save",
    "replace_into",
    "upsert",
    "execute_unprepared",
    "batch_execute",
];

/// What the statements of `tokens` (whole statements of a block) that mention one of `names`
/// do. `commit`/`rollback` statements are the transaction's end, not its work.
pub fn work_of(tokens: TokenStream, names: &[&str]) -> TxWork {
    let mut reads = 0usize;
    let mut locks = false;
    let mut statements = Vec::new();
    split_statements(tokens, &mut statements);
    for statement in statements {
        if super::first_ident_named(statement.iter().cloned(), names).is_none() || ends_transaction(&statement) {
            continue;
        }
        let mut literals = Vec::new();
        let mut calls_write = false;
        scan(&statement, &mut literals, &mut calls_write);
        let sql: Vec<String> = literals.iter().filter(|l| looks_like_sql(l)).map(|l| l.to_ascii_lowercase()).collect();
        if calls_write || sql.is_empty() || sql.iter().any(|s| writes(s)) {
            return TxWork::Writes;
        }
        reads += 1;
        locks |= sql.iter().any(|s| s.contains("for update") || s.contains("for share") || s.contains("skip locked"));
    }
    if reads == 0 {
        TxWork::Writes
    } else {
        TxWork::ReadsOnly { locks }
    }
}

/// Splits a run of statements at `;` into the tokens of each; the statements inside a braced
/// group (an `if`, a `match` arm, a closure body) are statements of their own.
fn split_statements(tokens: TokenStream, out: &mut Vec<Vec<TokenTree>>) {
    let mut current = Vec::new();
    for t in tokens {
        match t {
            TokenTree::Punct(p) if p.as_char() == ';' => out.push(std::mem::take(&mut current)),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => split_statements(g.stream(), out),
            other => current.push(other),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
}

fn ends_transaction(statement: &[TokenTree]) -> bool {
    statement.iter().any(|t| matches!(t, TokenTree::Ident(i) if i == "commit" || i == "rollback"))
}

/// The string literals of a statement (in macro arguments too) and whether it calls a
/// query builder's writing method.
fn scan(statement: &[TokenTree], literals: &mut Vec<String>, calls_write: &mut bool) {
    for (i, t) in statement.iter().enumerate() {
        match t {
            TokenTree::Literal(l) => {
                if let Some(text) = string_value(&l.to_string()) {
                    literals.push(text);
                }
            }
            TokenTree::Ident(id) => {
                let called = matches!(statement.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                if called && WRITE_CALLS.iter().any(|w| id == w) {
                    *calls_write = true;
                }
            }
            TokenTree::Group(g) => scan(&g.stream().into_iter().collect::<Vec<_>>(), literals, calls_write),
            TokenTree::Punct(_) => {}
        }
    }
}

/// The text of a string literal token (`"..."`, `r#"..."#`), escapes left as written.
fn string_value(token: &str) -> Option<String> {
    let body = token.strip_prefix('r').map_or(token, |raw| raw.trim_matches('#'));
    let body = body.strip_prefix('"')?.strip_suffix('"')?;
    Some(body.to_owned())
}

fn looks_like_sql(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    matches!(first.as_str(), "select" | "with" | "show" | "explain" | "values" | "table")
        || WRITE_WORDS.contains(&first.as_str())
}

/// Whether lower-cased SQL writes: a writing word outside the row-locking clauses of a read
/// (`FOR UPDATE`, `FOR NO KEY UPDATE`).
fn writes(sql: &str) -> bool {
    let sql = sql.replace("for no key update", " ").replace("for update", " ");
    sql.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| WRITE_WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(code: &str) -> TxWork {
        work_of(code.parse().unwrap(), &["tx"])
    }

    #[test]
    fn reads_writes_locks_and_unknown_statements() {
        let read = r#"let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut *tx).await?;
            let u = sqlx::query_as!(User, "select * from users where id = $1", id).fetch_one(&mut *tx).await?;"#;
        assert_eq!(work(read), TxWork::ReadsOnly { locks: false });
        let locked = r#"let job = sqlx::query("SELECT id FROM jobs FOR UPDATE SKIP LOCKED LIMIT 1").fetch_optional(&mut *tx).await?;"#;
        assert_eq!(work(locked), TxWork::ReadsOnly { locks: true });
        let write = r#"sqlx::query("SELECT 1").execute(&mut *tx).await?; if x { sqlx::query("UPDATE t SET a = 1").execute(&mut *tx).await?; }"#;
        assert_eq!(work(write), TxWork::Writes);
        assert_eq!(work("repo.save_user(&mut tx, user).await?;"), TxWork::Writes, "a helper shows no SQL");
        assert_eq!(work("sqlx::query(GET_USER).fetch_one(&mut *tx).await?;"), TxWork::Writes, "SQL in a constant");
        assert_eq!(work("diesel::insert_into(users::table).values(&u).execute(&mut tx)?;"), TxWork::Writes);
        assert_eq!(
            work(r#"let other = sqlx::query("DELETE FROM x").execute(&pool).await?; tx.commit().await?;"#),
            TxWork::Writes,
            "no statement of tx's work: nothing shown"
        );
    }
}
