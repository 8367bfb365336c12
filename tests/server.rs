//! `poolcheck server` end to end: the built binary, spoken to over its stdio with
//! `Content-Length` framing. Diagnostics are checked against the fixtures' `//~` markers and,
//! field by field, against what `poolcheck check --format json` reports for the same folder;
//! then edits, quick fixes, hover, unsaved buffers across crates, configuration reloads,
//! hostile input and the exit status.

mod support;

use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::lsp::{uri, Server};
use tempfile::TempDir;

const SHAPES: &str = "fixtures/conn-forgotten/sqlx_shapes.rs";
const ACCESSORS: &str = "fixtures/nested-acquire/accessors_and_helpers.rs";
const CLEAN: &str = "fixtures/conn-forgotten/negatives.rs";

/// A workspace folder holding copies of fixtures, at the given paths.
fn workspace(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, to) in files {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixture, to).unwrap();
    }
    dir
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// `(0-based line, rule)` of each `//~ rule` marker of a text.
fn markers(text: &str) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| Some((i as u64, line.split_once("//~ ")?.1.trim().to_owned())))
        .collect();
    out.sort();
    out
}

fn lines_and_codes(diagnostics: &[Value]) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = diagnostics
        .iter()
        .map(|d| (d["range"]["start"]["line"].as_u64().unwrap(), d["code"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn open(server: &mut Server, path: &Path, text: &str) -> String {
    let uri = uri(path);
    let doc = json!({ "uri": uri, "languageId": "rust", "version": 1, "text": text });
    server.notify("textDocument/didOpen", json!({ "textDocument": doc }));
    uri
}

fn change(server: &mut Server, uri: &str, version: i64, change: Value) {
    let doc = json!({ "uri": uri, "version": version });
    server.notify("textDocument/didChange", json!({ "textDocument": doc, "contentChanges": [change] }));
}

fn range(start: (u64, u64), end: (u64, u64)) -> Value {
    json!({ "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } })
}

/// An LSP range from the CLI's 1-based lines and columns (ASCII text: columns are code units).
fn cli_range(d: &Value) -> Value {
    let n = |key: &str| d[key].as_u64().unwrap() - 1;
    range((n("line"), n("column")), (n("end_line"), n("end_column")))
}

fn no_options() -> Value {
    json!({ "debounceMs": 0 })
}

#[test]
fn diagnostics_match_the_markers_and_the_cli_field_by_field() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs"), (ACCESSORS, "src/accessors.rs")]);
    let (mut server, init) = Server::initialized(ws.path(), json!({}), no_options());
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    assert_eq!(init["capabilities"]["codeActionProvider"]["codeActionKinds"], json!(["quickfix"]));

    for (file, rule_doc) in [("src/shapes.rs", "conn_forgotten"), ("src/accessors.rs", "nested_acquire")] {
        let path = ws.path().join(file);
        let text = read(&path);
        let uri = open(&mut server, &path, &text);
        let got = server.diagnostics(&uri, Some(1));
        assert_eq!(lines_and_codes(&got), markers(&text), "{file}");
        assert!(got.iter().any(|d| d["codeDescription"]["href"]
            == format!("https://github.com/poolcheck/poolcheck/blob/main/src/rules/{rule_doc}.rs")));

        let (code, out, _) = support::poolcheck_in(ws.path(), &["check", ".", "--format", "json"]);
        assert_eq!(code, 1);
        let cli: Value = serde_json::from_str(&out).unwrap();
        let cli: Vec<&Value> = cli["diagnostics"].as_array().unwrap().iter().filter(|d| d["file"] == file).collect();
        assert_eq!(cli.len(), got.len());
        for d in cli {
            let lsp = got.iter().find(|g| g["range"] == cli_range(d) && g["code"] == d["rule"]).expect("same span");
            let severity = if d["severity"] == "error" { 1 } else { 2 };
            let message = format!("{}\nhelp: {}", d["message"].as_str().unwrap(), d["help"].as_str().unwrap());
            let related: Vec<Value> = d["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let location =
                        json!({ "uri": support::lsp::uri(&ws.path().join(l["file"].as_str().unwrap())), "range": cli_range(l) });
                    json!({ "location": location, "message": l["message"] })
                })
                .collect();
            assert_eq!(lsp["severity"], severity, "{lsp:#}");
            assert_eq!(lsp["source"], "poolcheck");
            assert_eq!(lsp["message"], message);
            assert_eq!(lsp["relatedInformation"], json!(related), "{lsp:#}");
            assert_eq!(
                lsp["codeDescription"]["href"],
                format!(
                    "https://github.com/poolcheck/poolcheck/blob/main/src/rules/{}.rs",
                    d["rule"].as_str().unwrap().replace('-', "_")
                )
            );
        }
    }
    // the first finding, spelled out: `std::mem::forget(conn)` on line 13
    let first = &server_first_diagnostic(&mut server, &ws.path().join("src/shapes.rs"));
    assert_eq!(first["range"], range((12, 4), (12, 26)));
    assert_eq!(first["severity"], 1);
    assert_eq!(first["code"], "conn-forgotten");
    assert_eq!(first["relatedInformation"][0]["location"]["range"], range((10, 19), (10, 33)), "{first:#}");
    assert_eq!(first["relatedInformation"][0]["message"], "`conn` is taken from `pool.acquire()` at line 11");
}

/// The first diagnostic of an open document, as a save publishes it again.
fn server_first_diagnostic(server: &mut Server, path: &Path) -> Value {
    let uri = uri(path);
    server.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }));
    server.diagnostics(&uri, None)[0].clone()
}

#[test]
fn edits_clear_findings_and_bring_them_back_and_quick_fixes_make_the_clis_edits() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    let path = ws.path().join("src/shapes.rs");
    let text = read(&path);
    let (mut server, _) = Server::initialized(ws.path(), json!({}), json!({ "debounceMs": 50 }));
    let uri = open(&mut server, &path, &text);
    let initial = server.diagnostics(&uri, Some(1));
    assert_eq!(lines_and_codes(&initial), markers(&text));

    // the quick fix of the first finding: the edit `--fix` makes
    let response = server.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": initial[0]["range"], "context": { "diagnostics": [] } }),
    );
    let actions = response["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{response:#}");
    let action = &actions[0];
    assert_eq!(action["title"], "replace `mem::forget` with `drop`");
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    assert_eq!(action["diagnostics"], json!([initial[0]]));
    let edits = &action["edit"]["changes"][&uri];
    assert_eq!(edits, &json!([{ "range": range((12, 4), (12, 20)), "newText": "drop" }]));
    // a request for other kinds gets none
    let only_source = server.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": initial[0]["range"], "context": { "diagnostics": [], "only": ["source"] } }),
    );
    assert_eq!(only_source["result"], json!([]));

    // applying it clears that finding, and only that one
    change(&mut server, &uri, 2, json!({ "range": edits[0]["range"], "text": "drop" }));
    let fixed = server.diagnostics(&uri, Some(2));
    assert_eq!(fixed, initial[1..].to_vec());
    assert!(!std::fs::read_to_string(&path).unwrap().contains("    drop(conn); //~"), "the server writes no file");

    // undoing it brings it back, exactly
    change(&mut server, &uri, 3, json!({ "range": range((12, 4), (12, 8)), "text": "std::mem::forget" }));
    assert_eq!(server.diagnostics(&uri, Some(3)), initial);

    // a text with no finding (whole-document sync) clears them all; the old text brings them back
    change(&mut server, &uri, 4, json!({ "text": read(CLEAN) }));
    assert_eq!(server.diagnostics(&uri, Some(4)), Vec::<Value>::new());
    change(&mut server, &uri, 5, json!({ "text": text }));
    assert_eq!(server.diagnostics(&uri, Some(5)), initial);

    // closing the document clears what was published for it (with no version: it is closed)
    server.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    let closed = server.notification("textDocument/publishDiagnostics", |p| p["uri"] == uri && p["version"].is_null());
    assert_eq!(closed["diagnostics"], json!([]));
}

#[test]
fn positions_count_the_negotiated_units_with_non_ascii_text_before_the_span() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    let path = ws.path().join("src/shapes.rs");
    let text = read(&path).replace(
        "    std::mem::forget(conn); //~ conn-forgotten",
        "    let _note = \"é😀\"; std::mem::forget(conn); //~ conn-forgotten",
    );
    // before the span: 22 characters, 23 UTF-16 units, 26 UTF-8 bytes
    for (capabilities, encoding, start) in
        [(json!({}), "utf-16", 23), (json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }), "utf-8", 26)]
    {
        let (mut server, init) = Server::initialized(ws.path(), capabilities, no_options());
        assert_eq!(init["capabilities"]["positionEncoding"], encoding);
        let uri = open(&mut server, &path, &text);
        let diagnostics = server.diagnostics(&uri, Some(1));
        assert_eq!(diagnostics[0]["range"], range((12, start), (12, start + 22)), "{encoding}");
        // and positions from the client are read in the same units: inside `forget`
        let hover = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 12, "character": start + 12 } }),
        );
        assert_eq!(hover["result"]["range"], diagnostics[0]["range"], "{encoding}: {hover:#}");
    }
}

#[test]
fn hover_shows_the_finding_and_the_evidence_behind_it() {
    let ws = workspace(&[(ACCESSORS, "src/accessors.rs")]);
    let path = ws.path().join("src/accessors.rs");
    let text = read(&path);
    let (mut server, _) = Server::initialized(ws.path(), json!({}), no_options());
    let uri = open(&mut server, &path, &text);
    let diagnostics = server.diagnostics(&uri, Some(1));
    let nested = diagnostics.iter().find(|d| d["code"] == "nested-acquire").unwrap();
    let hover = |server: &mut Server, line: u64, character: u64| {
        let position = json!({ "line": line, "character": character });
        server.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": position }))
    };

    let on_finding = hover(&mut server, 37, 25);
    assert_eq!(on_finding["result"]["range"], nested["range"]);
    assert_eq!(on_finding["result"]["contents"]["kind"], "markdown");
    let value = on_finding["result"]["contents"]["value"].as_str().unwrap();
    for expected in [
        "**poolcheck** `nested-acquire` (error): `App::db_write` takes a second connection from `app.primary`",
        "- `src/accessors.rs:37` `source` taken here",
        "- `src/accessors.rs:18` takes a connection from `self.primary` here",
        "help: pass the held connection to `App::db_write`",
        "**Evidence** (`poolcheck evidence`):",
        "- accessor: `App::db_write` returns a connection taken from `self.primary` (`src/accessors.rs:17`)",
        "- pool: `App.primary` holds a pool (`PgPool`) (`src/accessors.rs:9`)",
    ] {
        assert!(value.contains(expected), "missing {expected:?} in:\n{value}");
    }
    assert!(!value.contains("App.audit"), "unrelated beliefs stay out:\n{value}");

    // a pool field the evidence knows, where no finding is
    let on_field = hover(&mut server, 17, 15);
    let value = on_field["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("- pool: `App.primary` holds a pool (`PgPool`) (`src/accessors.rs:9`)"), "{value}");
    assert!(value.contains("- acquisition: `App::db_write` takes a connection from `self.primary`"), "{value}");
    assert_eq!(on_field["result"]["range"], range((17, 13), (17, 20)));

    // nothing to say on a blank line
    assert_eq!(hover(&mut server, 13, 0)["result"], Value::Null);
}

#[test]
fn unsaved_buffers_are_analysed_with_facts_from_other_unsaved_files_and_crates() {
    let ws = TempDir::new().unwrap();
    for file in support::files_under(Path::new("testdata/evidence")) {
        let to = ws.path().join(file.strip_prefix("testdata/evidence").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, to).unwrap();
    }
    let web = ws.path().join("crates/web/src/lib.rs");
    let store = ws.path().join("crates/store/src/lib.rs");
    let (mut server, _) = Server::initialized(ws.path(), json!({}), no_options());

    // an unsaved handler that takes a second connection through the store crate's accessor
    let held = "    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;";
    let twice = format!("    let again = store.conn().await.unwrap();\n{held}\n    drop(again);");
    let web_uri = open(&mut server, &web, &read(&web).replace(held, &twice));
    let found = server.diagnostics(&web_uri, Some(1));
    let expected = [(29, "nested-acquire".to_owned()), (30, "conn-held-while-waiting".to_owned())];
    assert_eq!(lines_and_codes(&found), expected, "{found:#?}");
    assert!(found[0]["message"].as_str().unwrap().contains("`Store::conn` takes a second connection"));

    // in an unsaved buffer of the other crate, the accessor stops returning a connection
    let accessor = "    pub async fn conn(&self) -> Result<PoolConnection<Postgres>, sqlx::Error> {\n        self.primary.acquire().await\n    }";
    let plain = "    pub async fn conn(&self) -> Result<u32, sqlx::Error> {\n        Ok(1)\n    }";
    let store_uri = open(&mut server, &store, &read(&store));
    assert_eq!(server.diagnostics(&store_uri, Some(1)), Vec::<Value>::new());
    change(&mut server, &store_uri, 2, json!({ "text": read(&store).replace(accessor, plain) }));
    // the open handler is analysed again against the store crate's new index
    let web_now = server.diagnostics(&web_uri, Some(1));
    assert_eq!(web_now, Vec::<Value>::new());
    assert!(read(&store).contains(accessor), "nothing was saved");
}

#[test]
fn closed_files_behind_an_index_change_are_caught_up_and_findings_republished() {
    let ws = TempDir::new().unwrap();
    let write = |file: &str, text: &str| std::fs::write(ws.path().join(file), text).unwrap();
    std::fs::create_dir_all(ws.path().join("src")).unwrap();
    write(
        "src/handler.rs",
        "use crate::app::App;\n\npub async fn transfer(app: &App) {\n    let from = app.checkout().await;\n    \
         let to = app.checkout().await;\n    drop((from, to));\n}\n",
    );
    write(
        "src/checkout.rs",
        "use crate::app::App;\nuse sqlx::pool::PoolConnection;\nuse sqlx::Postgres;\n\nimpl App {\n    \
         pub async fn checkout(&self) -> PoolConnection<Postgres> {\n        self.pool.acquire().await.unwrap()\n    }\n}\n",
    );
    write("src/app.rs", "use sqlx::PgPool;\n\npub struct App {\n    pub pool: PgPool,\n}\n");
    let (mut server, _) = Server::initialized(ws.path(), json!({}), no_options());
    let handler = ws.path().join("src/handler.rs");
    let handler_uri = open(&mut server, &handler, &read(&handler));
    assert_eq!(lines_and_codes(&server.diagnostics(&handler_uri, Some(1))), [(4, "nested-acquire".to_owned())]);

    // the pool field stops being a pool in an unsaved buffer: `checkout` (closed) no longer
    // takes a connection from it, which only its analysis again can tell
    let app = ws.path().join("src/app.rs");
    let app_uri = open(&mut server, &app, &read(&app));
    change(&mut server, &app_uri, 2, json!({ "range": range((3, 14), (3, 20)), "text": "std::sync::Arc<String>" }));
    let settled = server.notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == handler_uri && p["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "nested-acquire")
    });
    let diagnostics = settled["diagnostics"].as_array().unwrap();
    assert_eq!(lines_and_codes(diagnostics), [(4, "conn-held-while-waiting".to_owned())]);

    // what `poolcheck check` says once the edit is saved
    std::fs::write(&app, read(&app).replace("pub pool: PgPool,", "pub pool: std::sync::Arc<String>,")).unwrap();
    let (_, out, _) = support::poolcheck_in(ws.path(), &["check", ".", "--format", "short"]);
    assert_eq!(out.lines().map(|l| l.split(": ").next().unwrap()).collect::<Vec<_>>(), ["src/handler.rs:5:14"]);
    assert!(out.contains("warning[conn-held-while-waiting]"), "{out}");
}

#[test]
fn configuration_changes_are_reloaded_and_republished_and_errors_reported() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    let path = ws.path().join("src/shapes.rs");
    let capabilities = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let (mut server, _) = Server::initialized(ws.path(), capabilities, no_options());
    let doc = open(&mut server, &path, &read(&path));
    assert_eq!(server.diagnostics(&doc, Some(1)).len(), 10);
    // the server asked to watch the configuration
    let registration = server.request_from_server("client/registerCapability");
    let watchers = &registration["registrations"][0]["registerOptions"]["watchers"];
    assert!(watchers.as_array().unwrap().iter().any(|w| w["globPattern"] == "**/poolcheck.toml"), "{registration}");

    let config = ws.path().join("poolcheck.toml");
    let config_uri = uri(&config);
    let watched = |server: &mut Server, typ: u64| {
        server.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": typ }] }));
    };
    std::fs::write(&config, "[rules]\nconn-forgotten = \"off\"\n").unwrap();
    watched(&mut server, 1);
    assert_eq!(server.diagnostics(&doc, None), Vec::<Value>::new(), "the rule is off");

    std::fs::write(&config, "[rules]\nconn-forgotten = \"sometimes\"\n").unwrap();
    watched(&mut server, 2);
    let shown = server.notification("window/showMessage", |_| true);
    assert_eq!(shown["type"], 1, "an error");
    assert!(shown["message"].as_str().unwrap().contains("unknown variant `sometimes`"), "{shown}");
    let on_config = server.diagnostics(&config_uri, None);
    assert_eq!(on_config.len(), 1);
    assert_eq!(on_config[0]["range"], range((1, 17), (1, 28)), "{on_config:#?}");
    assert_eq!(on_config[0]["severity"], 1);
    // the last valid configuration stays in force
    assert_eq!(server.diagnostics(&doc, None), Vec::<Value>::new());

    // a save of the configuration reloads it too
    std::fs::write(&config, "[rules]\nconn-forgotten = \"warning\"\n").unwrap();
    server.notify("textDocument/didSave", json!({ "textDocument": { "uri": config_uri } }));
    assert_eq!(server.diagnostics(&config_uri, None), Vec::<Value>::new(), "the problem is cleared");
    let regraded = server.diagnostics(&doc, None);
    assert_eq!(regraded.len(), 10);
    assert!(regraded.iter().all(|d| d["severity"] == 2), "{regraded:#?}");
}

#[test]
fn created_files_are_scanned_and_build_outputs_are_not() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    std::fs::write(ws.path().join("Cargo.toml"), "[package]\nname = \"app\"\n[dependencies]\nsqlx = \"0.8\"\n")
        .unwrap();
    let capabilities = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let (mut server, _) = Server::initialized(ws.path(), capabilities, no_options());
    let scanned = |m: &Value| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().unwrap().starts_with("scanned")
    };
    let first = server.notification("window/logMessage", |p| p["message"].as_str().unwrap().starts_with("scanned"));
    assert!(first["message"].as_str().unwrap().contains(": 1 file(s) in"), "{first}");
    let created = |server: &mut Server, path: &Path| {
        server.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri(path), "type": 1 }] }));
    };

    // a build script's output under `target/` is not part of the scan: no reload
    let generated = ws.path().join("target/debug/build/app-1/out/generated.rs");
    std::fs::create_dir_all(generated.parent().unwrap()).unwrap();
    std::fs::write(&generated, read(SHAPES)).unwrap();
    created(&mut server, &generated);
    assert!(!server.arrives(Duration::from_millis(800), scanned), "the folder was scanned again");

    // a new source file is: the folder is scanned again and the file is analysed when opened
    let new = ws.path().join("src/accessors.rs");
    std::fs::copy(ACCESSORS, &new).unwrap();
    created(&mut server, &new);
    let again = server.notification("window/logMessage", |p| p["message"].as_str().unwrap().starts_with("scanned"));
    assert!(again["message"].as_str().unwrap().contains(": 2 file(s) in"), "{again}");
    let doc = open(&mut server, &new, &read(&new));
    assert_eq!(lines_and_codes(&server.diagnostics(&doc, Some(1))), markers(&read(&new)));
}

#[test]
fn hostile_input_gets_errors_or_is_ignored_and_the_server_keeps_answering() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    std::fs::write(ws.path().join("README.md"), "std::mem::forget(conn);\n").unwrap();
    let elsewhere = workspace(&[(SHAPES, "shapes.rs")]);
    let mut server = Server::start(ws.path());
    let early = server.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "not initialized yet");
    let init = server.request("initialize", json!({ "capabilities": {}, "rootUri": uri(ws.path()) }));
    assert!(init["result"]["capabilities"].is_object());
    server.notify("initialized", json!({}));

    server.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    assert_eq!(server.response(&Value::Null)["error"]["code"], -32700);
    server.send(&json!({ "jsonrpc": "2.0", "id": 77, "params": {} }));
    assert_eq!(server.response(&json!(77))["error"]["code"], -32600, "no method");
    let big_id = json!({ "jsonrpc": "2.0", "id": 4_294_967_296u64, "method": "textDocument/hover", "params": {} });
    server.send(&big_id);
    assert_eq!(server.response(&json!(4_294_967_296u64))["error"]["code"], -32600, "an id over 32 bits");
    server.send_raw(b"Content-Length: nope\r\n\r\n");
    let bad_header = server.response(&Value::Null);
    assert!(bad_header["error"]["message"].as_str().unwrap().contains("Content-Length"), "{bad_header}");
    assert_eq!(server.request("poolcheck/unknown", json!({}))["error"]["code"], -32601);
    assert_eq!(server.request("textDocument/hover", json!({ "textDocument": 5 }))["error"]["code"], -32602);
    assert_eq!(server.request("initialize", json!({ "capabilities": {} }))["error"]["code"], -32600);

    // notifications that cannot be used are dropped
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": "file:///nowhere.rs", "version": 2 }, "contentChanges": [] }),
    );
    server.notify("textDocument/didOpen", json!({ "textDocument": "wrong" }));
    server.notify("$/setTrace", json!({ "value": "verbose" }));

    // documents outside the folder, non-Rust files and other schemes get no diagnostics
    let outside = open(&mut server, &elsewhere.path().join("shapes.rs"), &read(SHAPES));
    let readme = open(&mut server, &ws.path().join("README.md"), "std::mem::forget(conn);\n");
    let untitled = json!({ "uri": "untitled:Untitled-1", "languageId": "rust", "version": 1, "text": read(SHAPES) });
    server.notify("textDocument/didOpen", json!({ "textDocument": untitled }));

    // a huge file is reported, not analysed
    let path = ws.path().join("src/shapes.rs");
    let huge = format!("{}// {}\n", read(&path), "x".repeat(9 << 20));
    let uri = open(&mut server, &path, &huge);
    let too_big = server.diagnostics(&uri, Some(1));
    assert_eq!(lines_and_codes(&too_big), [(0, "parse-error".to_owned())]);
    assert!(too_big[0]["message"].as_str().unwrap().contains("larger than the 8388608-byte limit"));
    change(&mut server, &uri, 2, json!({ "text": read(SHAPES) }));
    assert_eq!(server.diagnostics(&uri, Some(2)).len(), 10);

    // positions out of range are clamped
    let far = json!({ "textDocument": { "uri": uri }, "position": { "line": 4_000_000, "character": 4_000_000 } });
    assert_eq!(server.request("textDocument/hover", far)["result"], Value::Null);
    let past_the_line = json!({ "textDocument": { "uri": uri }, "position": { "line": 12, "character": 4_000 } });
    assert_eq!(server.request("textDocument/hover", past_the_line)["result"], Value::Null, "the end of the line");
    let actions = server.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range((9, 99), (0, 0)), "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions["result"], json!([]), "a reversed range is read in order, and holds no finding");

    assert!(!server.arrives(Duration::from_millis(500), published_for(&outside)));
    assert!(!server.arrives(Duration::ZERO, published_for(&readme)));
    assert!(!server.arrives(Duration::ZERO, published_for("untitled:Untitled-1")));

    // still answering, then a clean shutdown
    assert_eq!(server.request("shutdown", Value::Null)["result"], Value::Null);
    assert_eq!(server.request("textDocument/hover", json!({}))["error"]["code"], -32600, "shutting down");
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status(), 0);
}

fn published_for(uri: &str) -> impl Fn(&Value) -> bool + '_ {
    move |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let ws = workspace(&[(SHAPES, "src/shapes.rs")]);
    let (mut server, _) = Server::initialized(ws.path(), json!({}), no_options());
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status(), 1);
    // input that ends without `exit` counts the same
    let (server, _) = Server::initialized(ws.path(), json!({}), no_options());
    assert_eq!(server.exit_status(), 1);
    let mut server = Server::start(ws.path());
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status(), 1, "before initialize");
}
