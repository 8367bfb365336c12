//! A real editor, headless: Emacs with lsp-mode (Debian's `emacs-nox`, `elpa-lsp-mode` and
//! `elpa-rust-mode`) runs the README's Emacs configuration (taken from the README itself, so
//! the two cannot drift apart), opens a fixture with `//~` markers in `rust-mode` and writes
//! the diagnostics it received as JSON; then it asks for the code actions on the first
//! finding, applies the quick fix through lsp-mode, and writes them again. Without Emacs and
//! lsp-mode the test says it is skipped, except under CI, where it fails.

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::Duration;
use support::{is_installed, markers, path_with_poolcheck, run_within};

const FIXTURE: &str = "fixtures/conn-forgotten/sqlx_shapes.rs";

/// The README's Emacs configuration block.
fn readme_configuration() -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("### Emacs").expect("the README's Emacs section")..];
    let block = &section[section.find("```elisp\n").expect("an elisp block") + "```elisp\n".len()..];
    block[..block.find("```").unwrap()].to_owned()
}

/// Loads what a user's init file would load before the README's block.
const PRELUDE: &str = r#"
(require 'rust-mode)
(require 'lsp-mode)
"#;

/// What the test does in the editor once the configuration is loaded. rust-analyzer is turned
/// off so that the test does not depend on it; lsp-mode's mode-line and header-line features
/// are off because batch Emacs has neither.
const HARNESS: &str = r#"
(setq lsp-auto-guess-root t
      lsp-enable-snippet nil
      lsp-restart 'ignore
      lsp-disabled-clients '(rust-analyzer rls)
      lsp-modeline-workspace-status-enable nil
      lsp-modeline-diagnostics-enable nil
      lsp-modeline-code-actions-enable nil
      lsp-headerline-breadcrumb-enable nil)
(defun poolcheck-test-wait (pred)
  (let ((deadline (+ (float-time) 60)))
    (while (and (< (float-time) deadline) (not (funcall pred)))
      (accept-process-output nil 0.05))
    (funcall pred)))
(defun poolcheck-test-snapshot ()
  (let ((found nil))
    (dolist (d (gethash (buffer-file-name) (lsp-diagnostics t)))
      (let ((start (lsp:range-start (lsp:diagnostic-range d))))
        (push (list (cons 'line (lsp:position-line start))
                    (cons 'col (lsp:position-character start))
                    (cons 'code (lsp:diagnostic-code? d))
                    (cons 'severity (lsp:diagnostic-severity? d))
                    (cons 'source (lsp:diagnostic-source? d)))
              found)))
    (sort found (lambda (a b) (< (alist-get 'line a) (alist-get 'line b))))))
(find-file (getenv "POOLCHECK_EMACS_TARGET"))
(lsp)
(let* ((opened (poolcheck-test-wait (lambda () (poolcheck-test-snapshot))))
       (before (poolcheck-test-snapshot))
       (actions (progn (goto-char (point-min))
                       (search-forward "std::mem::forget(conn);")
                       (backward-char 3)
                       (lsp-code-actions-at-point)))
       (titles (mapcar #'lsp:code-action-title actions)))
  (when actions (lsp-execute-code-action (car actions)))
  (let* ((edited (poolcheck-test-wait
                  (lambda () (= (length (poolcheck-test-snapshot)) (1- (length before))))))
         (after (poolcheck-test-snapshot))
         (text (buffer-substring-no-properties (point-min) (point-max))))
    (with-temp-file (getenv "POOLCHECK_EMACS_OUT")
      (insert (json-encode (list (cons 'opened (if opened t :json-false))
                                 (cons 'edited (if edited t :json-false))
                                 (cons 'actions (vconcat titles))
                                 (cons 'text text)
                                 (cons 'before (vconcat before))
                                 (cons 'after (vconcat after))))))))
(kill-emacs 0)
"#;

/// Whether Emacs can load lsp-mode and rust-mode.
fn emacs_has_lsp_mode() -> bool {
    is_installed("emacs")
        && Command::new("emacs")
            .args(["--batch", "--eval", "(progn (require 'lsp-mode) (require 'rust-mode))"])
            .output()
            .is_ok_and(|o| o.status.success())
}

#[test]
fn emacs_lsp_mode_shows_the_findings_and_applies_the_quick_fix() {
    if !emacs_has_lsp_mode() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Emacs with lsp-mode is not installed, and CI is set: .ci/run installs it \
             (apt-get install -y emacs-nox elpa-lsp-mode elpa-rust-mode)"
        );
        eprintln!("skipped: Emacs with lsp-mode is not installed; the Emacs test did not run");
        return;
    }
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("src")).unwrap();
    std::fs::write(ws.path().join("Cargo.toml"), "[package]\nname = \"shapes\"\nversion = \"0.1.0\"\n").unwrap();
    std::fs::copy(FIXTURE, ws.path().join("src/shapes.rs")).unwrap();
    let script = ws.path().join("poolcheck-test.el");
    std::fs::write(&script, format!("{PRELUDE}{}{HARNESS}", readme_configuration())).unwrap();
    let out = ws.path().join("diagnostics.json");

    let mut emacs = Command::new("emacs");
    emacs
        .args(["--batch", "-l"])
        .arg(&script)
        .current_dir(ws.path())
        .env("HOME", ws.path())
        .env("PATH", path_with_poolcheck())
        .env("POOLCHECK_EMACS_TARGET", "src/shapes.rs")
        .env("POOLCHECK_EMACS_OUT", &out);
    let output = run_within(emacs, Duration::from_secs(120));
    let result: Value = match std::fs::read_to_string(&out) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(e) => panic!("Emacs wrote no result ({e}): {output:?}"),
    };
    assert_eq!(result["opened"], true, "no diagnostics arrived: {result}\n{output:?}");
    assert_eq!(result["actions"], serde_json::json!(["replace `mem::forget` with `drop`"]), "{result}");
    assert_eq!(result["edited"], true, "the quick fix did not clear its finding: {result}\n{output:?}");

    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let expected = markers(&fixture);
    let lines_and_codes = |list: &Value| -> Vec<(u64, String)> {
        let list = list.as_array().unwrap();
        list.iter().map(|d| (d["line"].as_u64().unwrap(), d["code"].as_str().unwrap().to_owned())).collect()
    };
    let before = &result["before"];
    assert_eq!(lines_and_codes(before), expected);
    assert!(before.as_array().unwrap().iter().all(|d| d["source"] == "poolcheck" && d["severity"] == 1), "{result}");
    assert_eq!(before[0]["col"], 4, "`std::mem::forget(conn)` starts at column 4");
    assert_eq!(lines_and_codes(&result["after"]), expected[1..].to_vec());
    // the buffer holds the fix; the file on disk is untouched
    assert_eq!(result["text"], fixture.replacen("std::mem::forget(conn);", "drop(conn);", 1));
    assert_eq!(std::fs::read_to_string(ws.path().join("src/shapes.rs")).unwrap(), fixture, "nothing written");
}
