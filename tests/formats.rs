//! End-to-end tests of the machine formats made for other tools, each read back with that
//! tool's own parser or published schema: `cargo-json` with `cargo_metadata` (what
//! rust-analyzer reads it with); `gitlab` with GitLab's own schema for a Code Quality entry,
//! `app/validators/json_schemas/codeclimate.json` of gitlab-org/gitlab (MIT), kept verbatim in
//! `tests/gitlab-codeclimate-schema.json`, and the fields GitLab's documentation requires
//! beyond it; `rdjson` with reviewdog's published schema, `proto/rdf/jsonschema/
//! DiagnosticResult.json` of reviewdog/reviewdog (MIT), kept verbatim in
//! `tests/reviewdog-DiagnosticResult.json`; `junit` with a real XML parser (roxmltree), also
//! on hostile text.

use assert_cmd::Command;
use cargo_metadata::diagnostic::{Applicability, Diagnostic, DiagnosticLevel};
use cargo_metadata::{Message, TargetKind};
use std::path::{Path, PathBuf};

const SAMPLE: &str = "testdata/sample";

fn poolcheck() -> Command {
    let mut cmd = Command::cargo_bin("poolcheck").unwrap();
    cmd.env_remove("NO_COLOR");
    // the facts cache of named files' packages goes to a test folder, never the user's
    cmd.env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"));
    cmd
}

/// Runs poolcheck in `dir` and returns (exit status, stdout).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = poolcheck().args(args).current_dir(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap())
}

fn run(args: &[&str]) -> (i32, String) {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// A cargo package `svc` in a temporary folder: the sample's sessions in its library, its
/// broken file as an example. Returns the folder holding it and the package folder.
fn sample_package() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("svc");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("examples")).unwrap();
    let manifest =
        "[package]\nname = \"svc\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\n[dependencies]\nsqlx = \"0.8\"\n";
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub mod sessions;\n").unwrap();
    std::fs::copy(format!("{SAMPLE}/sessions.rs"), root.join("src/sessions.rs")).unwrap();
    std::fs::copy(format!("{SAMPLE}/broken.rs"), root.join("examples/broken.rs")).unwrap();
    let root = std::fs::canonicalize(root).unwrap();
    (tmp, root)
}

fn compiler_messages(out: &str) -> (Vec<cargo_metadata::CompilerMessage>, Vec<Message>) {
    let (mut found, mut other) = (Vec::new(), Vec::new());
    for m in Message::parse_stream(out.as_bytes()) {
        match m.unwrap() {
            Message::CompilerMessage(m) => found.push(m),
            m => other.push(m),
        }
    }
    (found, other)
}

#[test]
fn cargo_json_is_what_cargo_metadata_reads() {
    let (_tmp, root) = sample_package();
    let (code, out) = run_in(&root, &["check", ".", "--format", "cargo-json"]);
    assert_eq!(code, 1);
    let (messages, rest) = compiler_messages(&out);
    assert_eq!(messages.len(), 3, "every finding is a compiler message:\n{out}");
    assert!(matches!(rest.as_slice(), [Message::BuildFinished(f)] if !f.success), "{rest:?}");
    let sessions = std::fs::read_to_string(root.join("src/sessions.rs")).unwrap();

    for m in &messages {
        assert_eq!(m.package_id.repr, format!("path+file://{}#0.3.1", root.display()));
        assert!(m.message.rendered.as_deref().is_some_and(|r| r.contains(&m.message.message)));
    }
    let broken = &messages[0];
    assert_eq!(broken.target.name, "broken");
    assert_eq!(broken.target.kind, vec![TargetKind::Example]);
    assert_eq!(broken.message.level, DiagnosticLevel::Warning);
    assert_eq!(broken.message.code.as_ref().unwrap().code, "poolcheck::parse-error");

    let forgotten = &messages[1];
    assert_eq!(forgotten.target.name, "svc");
    assert_eq!(forgotten.target.kind, vec![TargetKind::Lib]);
    assert_eq!(forgotten.target.src_path.as_std_path(), root.join("src/lib.rs"));
    let d: &Diagnostic = &forgotten.message;
    assert_eq!(d.level, DiagnosticLevel::Error);
    let code = d.code.as_ref().unwrap();
    assert_eq!(code.code, "poolcheck::conn-forgotten");
    assert!(code.explanation.as_deref().is_some_and(|e| e.contains("### Why it drains a pool")));
    let [primary, label] = d.spans.as_slice() else { panic!("{:?}", d.spans) };
    assert!(primary.is_primary && !label.is_primary);
    assert_eq!(primary.file_name, "src/sessions.rs");
    assert_eq!((primary.line_start, primary.column_start, primary.line_end, primary.column_end), (6, 5, 6, 27));
    assert_eq!(&sessions[primary.byte_start as usize..primary.byte_end as usize], "std::mem::forget(conn)");
    assert_eq!(primary.text[0].text, "    std::mem::forget(conn);");
    assert_eq!((primary.text[0].highlight_start, primary.text[0].highlight_end), (5, 27));
    assert_eq!(label.label.as_deref(), Some("`conn` is taken from `pool.acquire()` at line 5"));
    assert_eq!(&sessions[label.byte_start as usize..label.byte_end as usize], "pool.acquire()");

    let [help, fix] = d.children.as_slice() else { panic!("{:?}", d.children) };
    assert_eq!(help.level, DiagnosticLevel::Help);
    assert!(help.message.starts_with("let `conn` go out of scope"), "{}", help.message);
    assert_eq!(fix.level, DiagnosticLevel::Help);
    assert_eq!(fix.message, "replace `mem::forget` with `drop`");
    let [edit] = fix.spans.as_slice() else { panic!("{:?}", fix.spans) };
    assert_eq!(edit.suggested_replacement.as_deref(), Some("drop"));
    assert_eq!(edit.suggestion_applicability, Some(Applicability::MachineApplicable));
    assert_eq!(&sessions[edit.byte_start as usize..edit.byte_end as usize], "std::mem::forget");
    assert_eq!((edit.line_start, edit.column_start, edit.column_end), (6, 5, 21));
    let rendered = d.rendered.as_deref().unwrap();
    assert!(rendered.starts_with("error[conn-forgotten]: pooled connection `conn` is forgotten"), "{rendered}");
    assert!(rendered.contains("src/sessions.rs:6:5") && !rendered.contains('\u{1b}'), "{rendered}");

    let leaked = &messages[2];
    assert_eq!(leaked.message.spans[0].line_start, 11);
    assert_eq!(leaked.message.children.len(), 1, "help, and no fix: {:?}", leaked.message.children);
}

#[test]
fn cargo_json_outside_any_target_is_a_bare_rustc_diagnostic() {
    // the sample lies in poolcheck's package, but no target of it compiles `testdata/`
    let (code, out) = run(&["check", SAMPLE, "--format", "cargo-json"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for line in &lines[..3] {
        let raw: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(raw["$message_type"], "diagnostic", "{line}");
        let d: Diagnostic = serde_json::from_str(line).unwrap();
        assert!(d.code.unwrap().code.starts_with("poolcheck::"));
    }
    assert_eq!(lines[3], r#"{"reason":"build-finished","success":false}"#);
}

#[test]
fn cargo_poolcheck_takes_cargos_message_format() {
    let (_tmp, root) = sample_package();
    let (_, expected) = run_in(&root, &["check", ".", "--format", "cargo-json"]);
    let cargo = |format: &str| {
        let out = Command::cargo_bin("cargo-poolcheck")
            .unwrap()
            .args(["poolcheck", &format!("--message-format={format}")])
            .env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"))
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(cargo("json"), expected);
    let (messages, _) = compiler_messages(&cargo("json-diagnostic-rendered-ansi"));
    assert_eq!(messages.len(), 3);
    assert!(messages.iter().all(|m| m.message.rendered.as_deref().is_some_and(|r| r.contains("\u{1b}["))));
}

/// Validates `doc` against a JSON schema kept in `tests/`; returns the errors.
fn schema_errors(schema_file: &str, doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_file).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).collect()
}

#[test]
fn gitlab_report_follows_gitlabs_schema_and_documented_fields() {
    let (code, out) = run(&["check", SAMPLE, "--format", "gitlab"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let issues = doc.as_array().expect("a Code Quality report is a JSON array");
    assert_eq!(issues.len(), 3, "{out}");
    let incomplete = serde_json::json!({"description": "no fingerprint", "severity": "minor", "location": {}});
    assert!(!schema_errors("tests/gitlab-codeclimate-schema.json", &incomplete).is_empty(), "the schema is enforced");
    for issue in issues {
        // GitLab validates every entry against this schema and stops reading at the first failure
        let errors = schema_errors("tests/gitlab-codeclimate-schema.json", issue);
        assert!(errors.is_empty(), "{issue}:\n{}", errors.join("\n"));
        // what GitLab's documentation requires beyond the schema
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&issue["severity"].as_str().unwrap()));
        assert!(issue["check_name"].is_string() && issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].as_u64().is_some_and(|l| l >= 1), "{issue}");
    }
    let summary: Vec<(&str, &str, &str, u64, u64)> = issues
        .iter()
        .map(|i| {
            let lines = &i["location"]["lines"];
            let path = i["location"]["path"].as_str().unwrap();
            let (begin, end) = (lines["begin"].as_u64().unwrap(), lines["end"].as_u64().unwrap());
            (i["check_name"].as_str().unwrap(), i["severity"].as_str().unwrap(), path, begin, end)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("parse-error", "minor", "testdata/sample/broken.rs", 5, 5),
            ("conn-forgotten", "critical", "testdata/sample/sessions.rs", 6, 6),
            ("conn-forgotten", "critical", "testdata/sample/sessions.rs", 11, 11),
        ]
    );
    assert!(issues[1]["description"].as_str().unwrap().starts_with("pooled connection `conn` is forgotten"));
    // GitLab keys issues by fingerprint: a repeated one would hide a finding
    let mut prints: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), 3);
    // the same fingerprints as SARIF's, so both track a finding alike
    let (_, sarif) = run(&["check", SAMPLE, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    for (issue, result) in issues.iter().zip(sarif["runs"][0]["results"].as_array().unwrap()) {
        assert_eq!(issue["fingerprint"], result["partialFingerprints"]["poolcheck/v1"]);
    }
}

#[test]
fn gitlab_fingerprints_survive_code_added_above() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sessions.rs");
    let original = std::fs::read_to_string(format!("{SAMPLE}/sessions.rs")).unwrap();
    let report = |text: &str| -> Vec<(String, u64)> {
        std::fs::write(&file, text).unwrap();
        let (_, out) = run_in(dir.path(), &["check", "sessions.rs", "--format", "gitlab", "--no-cache"]);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let issues = doc.as_array().unwrap().iter();
        issues
            .map(|i| (i["fingerprint"].as_str().unwrap().to_owned(), i["location"]["lines"]["begin"].as_u64().unwrap()))
            .collect()
    };
    let before = report(&original);
    let shifted =
        original.replacen("use sqlx::pool", "// a comment\n\nfn unrelated() -> u32 {\n    7\n}\n\nuse sqlx::pool", 1);
    let after = report(&shifted);
    assert_eq!(before.len(), 2);
    assert_eq!(before.iter().map(|(f, _)| f).collect::<Vec<_>>(), after.iter().map(|(f, _)| f).collect::<Vec<_>>());
    assert_eq!(
        before.iter().map(|(_, l)| l + 6).collect::<Vec<_>>(),
        after.iter().map(|(_, l)| *l).collect::<Vec<_>>()
    );
    assert_eq!(report(&original), before, "stable across runs");
}

const RDJSON_SCHEMA: &str = "tests/reviewdog-DiagnosticResult.json";

#[test]
fn rdjson_follows_reviewdogs_schema() {
    let (code, out) = run(&["check", SAMPLE, "--format", "rdjson"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = schema_errors(RDJSON_SCHEMA, &doc);
    assert!(errors.is_empty(), "rdjson does not validate:\n{}", errors.join("\n"));
    let bad = serde_json::json!({"diagnostics": [{"message": "x", "severity": "FATAL"}]});
    assert!(!schema_errors(RDJSON_SCHEMA, &bad).is_empty(), "the schema is enforced");

    assert_eq!(doc["source"]["name"], "poolcheck");
    assert!(doc["source"]["url"].as_str().unwrap().starts_with("https://"));
    assert_eq!(doc["severity"], "ERROR", "the worst severity present");
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 3);
    let severities: Vec<&str> = diagnostics.iter().map(|d| d["severity"].as_str().unwrap()).collect();
    assert_eq!(severities, ["WARNING", "ERROR", "ERROR"]);

    let d = &diagnostics[1];
    assert!(d["message"].as_str().unwrap().starts_with("pooled connection `conn` is forgotten"));
    assert!(d["message"].as_str().unwrap().contains("\nhelp: let `conn` go out of scope"));
    assert_eq!(d["location"]["path"], "testdata/sample/sessions.rs");
    let range = serde_json::json!({"start": {"line": 6, "column": 5}, "end": {"line": 6, "column": 27}});
    assert_eq!(d["location"]["range"], range);
    assert_eq!(d["code"]["value"], "conn-forgotten");
    assert!(d["code"]["url"].as_str().unwrap().ends_with("/src/rules/conn_forgotten.rs"), "{}", d["code"]);
    let fix = serde_json::json!([{"range": {"start": {"line": 6, "column": 5}, "end": {"line": 6, "column": 21}}, "text": "drop"}]);
    assert_eq!(d["suggestions"], fix);
    let related = &d["related_locations"][0];
    assert_eq!(related["message"], "`conn` is taken from `pool.acquire()` at line 5");
    assert_eq!(related["location"]["range"]["start"], serde_json::json!({"line": 5, "column": 16}));
    assert!(diagnostics[2].get("suggestions").is_none(), "no fix, no suggestions");
}

#[test]
fn rdjson_columns_count_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{SAMPLE}/sessions.rs")).unwrap();
    // two characters of two bytes each before the finding, on its line
    let text = text.replacen("    std::mem::forget(conn);", "    /* éé */ std::mem::forget(conn);", 1);
    std::fs::write(dir.path().join("sessions.rs"), text).unwrap();
    let (_, out) = run_in(dir.path(), &["check", "sessions.rs", "--format", "rdjson", "--no-cache"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["location"]["range"]["start"], serde_json::json!({"line": 6, "column": 16}), "{d}");
    assert_eq!(d["suggestions"][0]["range"]["end"], serde_json::json!({"line": 6, "column": 32}));
    let (_, json) = run_in(dir.path(), &["check", "sessions.rs", "--format", "json", "--no-cache"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["diagnostics"][0]["column"], 14, "the json format counts characters");
}

/// The elements of a node, without text and comments.
fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.is_element()).collect()
}

#[test]
fn junit_is_one_suite_per_file_and_one_failing_case_per_finding() {
    let (code, out) = run(&["check", SAMPLE, "--format", "junit"]);
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!((root.attribute("tests"), root.attribute("failures")), (Some("3"), Some("3")));
    let suites = elements(root);
    let names: Vec<_> = suites.iter().map(|s| s.attribute("name").unwrap()).collect();
    assert_eq!(names, ["testdata/sample/broken.rs", "testdata/sample/sessions.rs"]);
    assert_eq!(suites[1].attribute("failures"), Some("2"));
    let cases = elements(suites[1]);
    assert_eq!(cases.len(), 2);
    let case = cases[0];
    assert_eq!(case.attribute("name"), Some("poolcheck.conn-forgotten"));
    assert_eq!(case.attribute("classname"), Some("testdata/sample/sessions"));
    assert_eq!((case.attribute("line"), case.attribute("column")), (Some("6"), Some("5")));
    let [failure] = elements(case)[..] else { panic!("one failure") };
    assert_eq!(failure.tag_name().name(), "failure");
    assert_eq!(failure.attribute("type"), Some("error"));
    let message = failure.attribute("message").unwrap();
    assert!(message.starts_with("pooled connection `conn` is forgotten"), "{message}");
    let text = failure.text().unwrap();
    assert!(text.starts_with(&format!("line 6, col 5, {message}")), "{text}");
    assert!(
        text.contains("\n\nhelp: let `conn` go out of scope")
            && text.ends_with("fix: replace `mem::forget` with `drop`")
    );
    let warning = elements(elements(suites[0])[0])[0];
    assert_eq!(warning.attribute("type"), Some("warning"));
}

#[test]
fn junit_of_a_clean_run_is_one_passing_case() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.rs"), "use sqlx::PgPool;\nfn f(_p: &PgPool) {}\n").unwrap();
    let (code, out) = run_in(dir.path(), &["check", ".", "--format", "junit", "--no-cache"]);
    assert_eq!(code, 0);
    let doc = roxmltree::Document::parse(&out).unwrap();
    let root = doc.root_element();
    assert_eq!((root.attribute("tests"), root.attribute("failures")), (Some("1"), Some("0")));
    let suites = elements(root);
    assert_eq!(suites.len(), 1);
    let cases = elements(suites[0]);
    assert_eq!(cases.len(), 1);
    assert!(elements(cases[0]).is_empty(), "a passing case has no failure");
}

/// A report whose file name, message, label, help and fix hold markup, quotes, control
/// characters and astral characters.
fn hostile_report() -> poolcheck::report::Report {
    use poolcheck::report::{Diagnostic, Edit, Report, Severity};
    use poolcheck::source::{SourceFile, SourceMap, Span};
    let text = "fn f(conn: C) {\n    /* <é> */ std::mem::forget(conn); // 𝄞\r\n}\n";
    let name = "dir/a<&\"'>\u{1}.rs";
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(name.into(), name.into(), text.into()));
    let start = text.find("std::mem").unwrap();
    let span = Span { file, start, end: start + "std::mem::forget(conn)".len() };
    let forget = Span { end: start + "std::mem::forget".len(), ..span };
    let d = Diagnostic::new("conn-forgotten", Severity::Error, span, HOSTILE)
        .with_label(Span { file, start: 5, end: 9 }, "label </x> & \u{7}")
        .with_help("help ]]> \"quoted\" \u{ffff}")
        .with_fix("fix <&>", vec![Edit { span: forget, replacement: "drop /* \u{0} */".into() }]);
    Report { sources, diagnostics: vec![d], files_scanned: 1, suppressed: 0, evidence: None }
}

const HOSTILE: &str = "<failure message=\"x\">&amp; 'q' \u{0}\u{1b}[31m\u{fffe}\ttab\r\nnew line é 𝄞 ]]>";

fn render(report: &poolcheck::report::Report, format: poolcheck::report::Format) -> String {
    let mut buf = Vec::new();
    poolcheck::report::render(report, format, false, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn hostile_text_keeps_every_format_well_formed() {
    use poolcheck::report::Format;
    let report = hostile_report();
    let xml = render(&report, Format::Junit);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suite = elements(doc.root_element())[0];
    assert_eq!(suite.attribute("name"), Some("dir/a<&\"'>\\u{1}.rs"));
    let failure = elements(elements(suite)[0])[0];
    // what XML cannot carry is spelled out; everything else arrives as it was, line breaks too
    let carried = "<failure message=\"x\">&amp; 'q' \\u{0}\\u{1b}[31m\\u{fffe}\ttab\r\nnew line é 𝄞 ]]>";
    assert_eq!(failure.attribute("message"), Some(carried));
    let text = failure.text().unwrap();
    assert!(text.contains(carried) && text.contains("help ]]> \"quoted\" \\u{ffff}"), "{text}");

    for format in [Format::Gitlab, Format::Rdjson] {
        let doc: serde_json::Value = serde_json::from_str(&render(&report, format)).unwrap();
        assert!(doc.to_string().contains("\\u0000"), "{format:?} keeps the NUL, escaped: {doc}");
    }
    let rdjson: serde_json::Value = serde_json::from_str(&render(&report, Format::Rdjson)).unwrap();
    assert!(schema_errors(RDJSON_SCHEMA, &rdjson).is_empty());
    assert!(rdjson["diagnostics"][0]["message"].as_str().unwrap().starts_with(HOSTILE));
    // columns count bytes: `/* <é> */ ` is 10 characters and 11 bytes
    assert_eq!(rdjson["diagnostics"][0]["location"]["range"]["start"]["column"], 16);
    let cargo = render(&report, Format::CargoJson);
    let lines: Vec<&str> = cargo.lines().collect();
    assert_eq!(lines.len(), 2, "{cargo}");
    let d: Diagnostic = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(d.message, HOSTILE);
    assert_eq!(d.spans[0].column_start, 15, "rustc's columns count characters");
    assert_eq!(d.children[1].spans[0].suggested_replacement.as_deref(), Some("drop /* \u{0} */"));
}

#[test]
fn every_new_format_is_byte_identical_across_runs_and_job_counts() {
    for format in ["cargo-json", "gitlab", "rdjson", "junit"] {
        let (_, one) = run(&["check", "fixtures", "--format", format, "--jobs", "1"]);
        let (_, two) = run(&["check", "fixtures", "--format", format, "--jobs", "2"]);
        assert!(one == two, "{format} differs between runs");
        assert!(one.contains("conn-forgotten"), "{format}");
    }
}
