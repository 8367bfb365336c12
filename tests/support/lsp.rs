//! A small LSP client for the end-to-end tests: it runs the built `poolcheck server`, frames
//! messages with `Content-Length`, reads the server's messages on a thread, answers the
//! server's own requests (registrations) with `null`, and never waits longer than
//! [`TIMEOUT`] for anything.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest any step waits for the server.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A running `poolcheck server`.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read but not asked for yet, in arrival order.
    backlog: VecDeque<Value>,
    next_id: i64,
}

/// The `file:` URI of a path (of a file that may not exist yet, in a folder that does).
pub fn uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path)
        .unwrap_or_else(|_| std::fs::canonicalize(path.parent().unwrap()).unwrap().join(path.file_name().unwrap()));
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

impl Server {
    /// Starts the server in `dir`.
    pub fn start(dir: &Path) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("poolcheck"))
            .arg("server")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("poolcheck server starts");
        let stdout = child.stdout.take().unwrap();
        let (to_test, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if to_test.send(message).is_err() {
                    return;
                }
            }
        });
        Server { stdin: child.stdin.take(), child, incoming, backlog: VecDeque::new(), next_id: 1 }
    }

    /// Starts the server and completes the handshake for the workspace folder `root`, with
    /// `capabilities` and `options` (initialization options); returns the initialize result.
    pub fn initialized(root: &Path, capabilities: Value, options: Value) -> (Server, Value) {
        let mut server = Server::start(root);
        let params = json!({
            "processId": null,
            "rootUri": uri(root),
            "workspaceFolders": [{ "uri": uri(root), "name": "test" }],
            "capabilities": capabilities,
            "initializationOptions": options,
        });
        let response = server.request("initialize", params);
        server.notify("initialized", json!({}));
        (server, response["result"].clone())
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Sends one message.
    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response (the whole message: `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.response(&json!(id))
    }

    /// Waits for the response with this id.
    pub fn response(&mut self, id: &Value) -> Value {
        self.wait(|m| m.get("method").is_none() && m.get("id") == Some(id), &format!("the response to {id}"))
    }

    /// Waits for a notification of `method` whose params satisfy `matches`; returns the params.
    pub fn notification(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let found = self.wait(|m| m["method"] == method && m.get("id").is_none() && matches(&m["params"]), method);
        found["params"].clone()
    }

    /// Waits for a request of `method` from the server (it was answered with `null`); returns
    /// its params.
    pub fn request_from_server(&mut self, method: &str) -> Value {
        self.wait(|m| m["method"] == method && m.get("id").is_some(), method)["params"].clone()
    }

    /// Waits for the diagnostics published for a document (at `version`, when given).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let params = self.notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && version.is_none_or(|v| p["version"] == v)
        });
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// Whether a message matching `matches` arrives within `within` (for asserting that one
    /// does not).
    pub fn arrives(&mut self, within: Duration, matches: impl Fn(&Value) -> bool) -> bool {
        let deadline = Instant::now() + within;
        if self.backlog.iter().any(&matches) {
            return true;
        }
        while let Some(message) = self.next(deadline) {
            let hit = matches(&message);
            self.backlog.push_back(message);
            if hit {
                return true;
            }
        }
        false
    }

    /// Waits for the process to end after the input closes; its exit status.
    pub fn exit_status(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait(&mut self, matches: impl Fn(&Value) -> bool, what: &str) -> Value {
        if let Some(i) = self.backlog.iter().position(&matches) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let Some(message) = self.next(deadline) else {
                panic!("no {what} within {TIMEOUT:?}; unread: {:#?}", self.backlog)
            };
            if matches(&message) {
                return message;
            }
            self.backlog.push_back(message);
        }
    }

    /// The next message before `deadline`; the server's requests are answered on the way.
    fn next(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.incoming.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            };
            if message.get("method").is_some() && message.get("id").is_some() {
                let reply = json!({ "jsonrpc": "2.0", "id": message["id"], "result": null });
                self.send(&reply);
                self.backlog.push_back(message);
                continue;
            }
            return Some(message);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse::<usize>().expect("a length"));
        }
    }
    let mut body = vec![0; length.expect("Content-Length")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("the server writes JSON"))
}
