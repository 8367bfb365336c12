//! Meta-tests that keep the README's rule table in step with the rules' own documentation, and
//! its policy table with `rules/policy.toml`. Run with `UPDATE_README=1` to rewrite them.

use poolcheck::rules;

const START: &str = "<!-- rules:start -->";
const END: &str = "<!-- rules:end -->";

fn table() -> String {
    let mut t = String::from("| rule | default | what it flags |\n| --- | --- | --- |\n");
    for r in rules::ALL {
        let info = r.info();
        t.push_str(&format!("| `{}` | {} | {} |\n", info.id, info.default_severity, info.summary.replace('|', "\\|")));
    }
    t
}

#[test]
fn readme_rule_table_is_current() {
    keep_current(START, END, table(), "rule table");
}

/// Replaces the text between two markers of the README, or checks it is current.
fn keep_current(start: &str, end: &str, fresh_part: String, what: &str) {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let (head, rest) = readme.split_once(start).unwrap_or_else(|| panic!("README has the {start} marker"));
    let (_, tail) = rest.split_once(end).unwrap_or_else(|| panic!("README has the {end} marker"));
    let fresh = format!("{head}{start}\n{fresh_part}{end}{tail}");
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write("README.md", &fresh).unwrap();
    } else {
        assert!(readme == fresh, "README's {what} is stale: run `UPDATE_README=1 cargo test --test docs`");
    }
}

#[test]
fn readme_policy_table_is_current() {
    keep_current(
        "<!-- policy:start -->",
        "<!-- policy:end -->",
        poolcheck::catalog::Policy::embedded().to_markdown(),
        "policy table",
    );
}

/// poolcheck lints itself: its own source has no finding.
#[test]
fn poolcheck_reports_nothing_on_its_own_source() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_poolcheck"))
        .args(["check", "src", "--format", "short", "--deny", "warnings"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.is_empty(), "poolcheck on its own source:\n{stdout}");
}
