//! A real editor, headless: Neovim's built-in LSP client runs the README's Neovim 0.7
//! configuration (taken from the README itself, so the two cannot drift apart), opens a fixture
//! with `//~` markers, and writes the diagnostics it received as JSON; then it edits the buffer
//! as the quick fix would, and writes them again. Needs `nvim` (Debian's `neovim`): without it
//! the test says it is skipped, except under CI, where it fails.

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::Duration;
use support::{is_installed, markers, path_with_poolcheck, run_within};

const FIXTURE: &str = "fixtures/conn-forgotten/sqlx_shapes.rs";

/// The README's Neovim 0.7 configuration block.
fn readme_configuration() -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("```lua\n-- init.lua (Neovim 0.7 to 0.10)").expect("the README's Neovim 0.7 block");
    let block = &readme[start + "```lua\n".len()..];
    block[..block.find("```").unwrap()].to_owned()
}

/// What the test does in the editor once the configuration is loaded.
const HARNESS: &str = r#"
vim.cmd("filetype on")
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("POOLCHECK_NVIM_TARGET")))
local function snapshot()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(found, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code,
                          severity = d.severity, source = d.source })
  end
  table.sort(found, function(a, b) return a.lnum < b.lnum end)
  return found
end
local opened = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 20)
local before = snapshot()
-- the first finding's quick fix, typed into the buffer: `std::mem::forget` becomes `drop`
for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, true)) do
  if line:find("std::mem::forget(conn);", 1, true) then
    local fixed = line:gsub("std::mem::forget", "drop", 1)
    vim.api.nvim_buf_set_lines(0, i - 1, i, true, { fixed })
    break
  end
end
local edited = vim.wait(60000, function() return #vim.diagnostic.get(0) == #before - 1 end, 20)
local after = snapshot()
local result = { opened = opened, edited = edited, before = before, after = after }
vim.fn.writefile({ vim.fn.json_encode(result) }, os.getenv("POOLCHECK_NVIM_OUT"))
vim.cmd("qall!")
"#;

#[test]
fn neovim_shows_the_findings_and_follows_an_edit() {
    if !is_installed("nvim") {
        assert!(
            std::env::var_os("CI").is_none(),
            "nvim is not installed, and CI is set: .ci/run installs it (apt-get install -y neovim)"
        );
        eprintln!("skipped: nvim is not installed (apt-get install neovim); the Neovim test did not run");
        return;
    }
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("src")).unwrap();
    std::fs::copy(FIXTURE, ws.path().join("src/shapes.rs")).unwrap();
    let script = ws.path().join("poolcheck-test.lua");
    std::fs::write(&script, format!("{}{HARNESS}", readme_configuration())).unwrap();
    let out = ws.path().join("diagnostics.json");
    let home = ws.path().join("nvim-home");

    let mut nvim = Command::new("nvim");
    nvim.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(ws.path())
        .env("PATH", path_with_poolcheck())
        .env("POOLCHECK_NVIM_TARGET", "src/shapes.rs")
        .env("POOLCHECK_NVIM_OUT", &out);
    for xdg in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"] {
        nvim.env(xdg, &home);
    }
    let output = run_within(nvim, Duration::from_secs(120));
    let lsp_log = std::fs::read_to_string(home.join("nvim/lsp.log")).unwrap_or_default();
    let result: Value = match std::fs::read_to_string(&out) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(e) => panic!("Neovim wrote no result ({e}): {output:?}\nlsp.log:\n{lsp_log}"),
    };
    assert_eq!(result["opened"], true, "no diagnostics arrived: {result}\nlsp.log:\n{lsp_log}");
    assert_eq!(result["edited"], true, "the edit did not clear its finding: {result}\nlsp.log:\n{lsp_log}");

    let expected = markers(&std::fs::read_to_string(FIXTURE).unwrap());
    let before = result["before"].as_array().unwrap();
    let lines_and_codes = |list: &[Value]| -> Vec<(u64, String)> {
        list.iter().map(|d| (d["lnum"].as_u64().unwrap(), d["code"].as_str().unwrap().to_owned())).collect()
    };
    assert_eq!(lines_and_codes(before), expected);
    assert!(before.iter().all(|d| d["source"] == "poolcheck" && d["severity"] == 1), "{result}");
    // `std::mem::forget(conn)`, columns in Neovim's byte counting
    assert_eq!((&before[0]["col"], &before[0]["end_col"]), (&Value::from(4), &Value::from(26)));
    let after = result["after"].as_array().unwrap();
    assert_eq!(lines_and_codes(after), expected[1..].to_vec());
    assert_eq!(
        std::fs::read_to_string(ws.path().join("src/shapes.rs")).unwrap(),
        std::fs::read_to_string(FIXTURE).unwrap(),
        "nothing written"
    );
}
