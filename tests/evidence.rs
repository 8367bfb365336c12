//! `poolcheck evidence` end to end on a two-crate fixture workspace (`testdata/evidence`): what
//! poolcheck believes, with the file and line of each belief, in both formats.

use assert_cmd::Command;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/evidence");

fn evidence(args: &[&str]) -> String {
    let out =
        Command::cargo_bin("poolcheck").unwrap().arg("evidence").args(args).current_dir(WORKSPACE).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn json_lists_each_belief_with_its_place() {
    let doc: serde_json::Value = serde_json::from_str(&evidence(&[".", "--format", "json"])).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["files_scanned"], 2);
    let beliefs: Vec<(String, String, String, u64)> = doc["beliefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().unwrap().to_owned(),
                b["subject"].as_str().unwrap().to_owned(),
                b["file"].as_str().unwrap().to_owned(),
                b["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let store = "crates/store/src/lib.rs";
    let web = "crates/web/src/lib.rs";
    let expected = [
        ("pool", "Db.0", store, 6),
        ("pool", "Store.primary", store, 16),
        ("pool-newtype", "Db", store, 6),
        ("guard-carrier", "Conn", store, 21),
        ("accessor", "Store::conn", store, 28),
        ("acquisition", "Store::conn", store, 29),
        ("entry-point", "health", web, 19),
        // registered through the crate's own wrapper `get_logged`
        ("entry-point", "list_users", web, 20),
        ("construction", "connect", store, 38),
    ];
    let expected: Vec<(String, String, String, u64)> =
        expected.iter().map(|(k, s, f, l)| (k.to_string(), s.to_string(), f.to_string(), *l)).collect();
    assert_eq!(beliefs, expected, "{doc:#}");
    let accessor = &doc["beliefs"][4];
    assert_eq!(accessor["detail"], "returns a connection taken from `self.primary`", "{accessor}");
    let carrier = &doc["beliefs"][3];
    assert!(carrier["detail"].as_str().unwrap().contains("owns a pooled connection in field `Pooled::0`"), "{carrier}");
}

#[test]
fn human_output_groups_beliefs_by_kind() {
    let out = evidence(&[]);
    let headings: Vec<&str> = out.lines().filter(|l| l.ends_with(':') && !l.starts_with(' ')).collect();
    assert_eq!(
        headings,
        [
            "pools:",
            "pool newtypes:",
            "guard-carrying types:",
            "functions that return a connection:",
            "functions that take a connection:",
            "request entry points:",
            "pools built and connections opened:",
        ],
        "{out}"
    );
    assert!(
        out.contains("  crates/store/src/lib.rs:28  Store::conn  returns a connection taken from `self.primary`\n"),
        "{out}"
    );
    assert!(
        out.contains("  crates/web/src/lib.rs:20  list_users  `list_users` is registered as a request handler here\n"),
        "{out}"
    );
    assert!(out.ends_with("9 belief(s) about 2 file(s)\n"), "{out}");
}

#[test]
fn a_file_of_one_crate_sees_the_other_crates_types() {
    // the web crate alone: its handlers are believed, and the store's types are known as
    // evidence but not listed, since the store was not asked for
    let doc: serde_json::Value =
        serde_json::from_str(&evidence(&["crates/web/src/lib.rs", "--format", "json"])).unwrap();
    let kinds: Vec<&str> = doc["beliefs"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["entry-point", "entry-point"], "{doc:#}");
}
