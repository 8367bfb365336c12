//! Keeps `action.yml`, the GitHub Action, in step with the CLI: it is a composite action, its
//! inputs are declared and used, the command line it builds uses only flags `poolcheck check`
//! has, and its script runs: the real binary's exit status comes out and the SARIF is written.

use assert_cmd::Command;
use poolcheck::config_files::{leaves, Format, Leaf, LeafValue};
use std::collections::BTreeSet;
use std::path::Path;

fn action() -> Vec<Leaf> {
    let text = std::fs::read_to_string("action.yml").unwrap();
    leaves(Format::Yaml, &text).expect("action.yml is YAML")
}

fn str_at<'a>(leaves: &'a [Leaf], path: &[&str]) -> Vec<&'a str> {
    leaves
        .iter()
        .filter(|l| l.path.iter().map(String::as_str).eq(path.iter().copied()))
        .filter_map(|l| match &l.value {
            LeafValue::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// Names after `prefix` (`inputs.`, `--`) in `text`.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The script of the step that runs poolcheck.
fn check_script(leaves: &[Leaf]) -> String {
    let scripts = str_at(leaves, &["runs", "steps", "run"]);
    let script = scripts.iter().find(|s| s.contains("poolcheck check")).expect("a step runs `poolcheck check`");
    script.to_string()
}

fn check_help() -> String {
    let out = Command::cargo_bin("poolcheck").unwrap().args(["check", "--help"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_action_is_composite_and_its_inputs_are_declared_and_used() {
    let leaves = action();
    assert_eq!(str_at(&leaves, &["runs", "using"]), ["composite"]);
    let declared: BTreeSet<String> =
        leaves.iter().filter(|l| l.path.len() >= 2 && l.path[0] == "inputs").map(|l| l.path[1].clone()).collect();
    let expected = ["args", "baseline", "deny-warnings", "paths", "sarif-file", "upload-sarif"];
    assert_eq!(declared, expected.iter().map(|s| s.to_string()).collect());
    for name in &declared {
        assert_eq!(str_at(&leaves, &["inputs", name, "description"]).len(), 1, "input `{name}` has a description");
    }
    let mut used = BTreeSet::new();
    for l in &leaves {
        if let LeafValue::Str(s) = &l.value {
            used.extend(names_after(s, "inputs."));
        }
    }
    assert_eq!(used, declared, "every input used is declared and every declared one is used");
    assert_eq!(str_at(&leaves, &["outputs", "sarif-file", "value"]), ["${{ steps.check.outputs.sarif-file }}"]);
    let uses = str_at(&leaves, &["runs", "steps", "uses"]);
    assert!(uses.contains(&"github/codeql-action/upload-sarif@v3") && uses.contains(&"actions/cache@v4"), "{uses:?}");
    // the script is run as written (inputs come in through `env`), so no expression is pasted in
    assert!(!check_script(&leaves).contains("${{"), "inputs reach the script through its environment");
}

#[test]
fn the_command_line_uses_only_flags_poolcheck_check_has() {
    let script = check_script(&action());
    let flags = names_after(&script.lines().filter(|l| l.contains("cmd")).collect::<Vec<_>>().join("\n"), "--");
    assert_eq!(flags, ["baseline", "deny", "diff", "format"].iter().map(|s| s.to_string()).collect());
    let help = names_after(&check_help(), "--");
    for flag in &flags {
        assert!(help.contains(flag), "`poolcheck check --help` lacks --{flag}: {help:?}");
    }
    let help = check_help();
    for value in ["warnings", "github", "sarif"] {
        assert!(help.contains(value), "`poolcheck check --help` lacks `{value}`");
    }
}

/// Runs the check step's script as the runner does, with `dir` first on `PATH`; returns the
/// exit code, stdout and the step's outputs.
fn run_step(script: &str, dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let file = dir.join("step.sh");
    std::fs::write(&file, script).unwrap();
    let outputs = dir.join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&file).env("PATH", path).env("GITHUB_OUTPUT", &outputs);
    cmd.env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), std::fs::read_to_string(outputs).unwrap())
}

fn inputs<'a>(base: &'a str, sarif: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("BASE_REF", base),
        ("INPUT_PATHS", "testdata/sample"),
        ("INPUT_BASELINE", ""),
        ("INPUT_DENY_WARNINGS", "false"),
        ("INPUT_SARIF_FILE", sarif),
        ("INPUT_ARGS", ""),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k, v));
    }
    env
}

#[cfg(unix)]
#[test]
fn the_step_exits_with_poolchecks_status_and_writes_the_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_poolcheck"));
    std::os::unix::fs::symlink(bin, dir.path().join("poolcheck")).unwrap();
    let sarif = dir.path().join("out.sarif");
    let script = check_script(&action());
    let (code, stdout, outputs) = run_step(&script, dir.path(), &inputs("", sarif.to_str().unwrap(), &[]));
    assert_eq!(code, 1, "the sample's errors fail the step:\n{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("::error file=")), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(outputs.contains(&format!("sarif-file={}\n", sarif.display())), "{outputs}");
    assert!(outputs.contains("sarif-written=true\n"), "{outputs}");
}

#[cfg(unix)]
#[test]
fn on_a_pull_request_the_step_checks_the_diff_with_every_input() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // a stand-in that records its arguments, one a line, and fails as poolcheck does on findings
    let fake = dir.path().join("poolcheck");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/argv\"\nexit 1\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let extra = [
        ("INPUT_PATHS", "crates/api  crates/db"),
        ("INPUT_BASELINE", "poolcheck-baseline.json"),
        ("INPUT_DENY_WARNINGS", "true"),
        ("INPUT_ARGS", "--include-tests --select conn-forgotten,*"),
    ];
    let (code, _, outputs) = run_step(&check_script(&action()), dir.path(), &inputs("main", "p.sarif", &extra));
    assert_eq!(code, 1, "poolcheck's status is the step's");
    assert!(!outputs.contains("sarif-written"), "no SARIF was written, so none is uploaded: {outputs}");
    let argv = std::fs::read_to_string(dir.path().join("argv")).unwrap();
    let expected = "check\ncrates/api\ncrates/db\n--diff\norigin/main\n--baseline\npoolcheck-baseline.json\n\
                    --deny\nwarnings\n--format\ngithub\n--format\nsarif=p.sarif\n--include-tests\n--select\n\
                    conn-forgotten,*\n";
    assert_eq!(argv, expected, "paths and arguments are split on whitespace and never globbed");
    let help = names_after(&check_help(), "--");
    for flag in argv.lines().filter_map(|a| a.strip_prefix("--")) {
        assert!(help.contains(flag), "`poolcheck check --help` lacks --{flag}");
    }
}
