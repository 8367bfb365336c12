#!/usr/bin/env python3
"""Measure `poolcheck server`'s latency on a workspace, as an editor sees it.

usage: lsp-latency.py POOLCHECK WORKSPACE FILE [RUNS]

Starts `POOLCHECK server` in WORKSPACE, opens FILE, then edits it RUNS times in two ways and
times each edit from the `didChange` to the `publishDiagnostics` of that version, less the
server's debounce:

- a keystroke in a function body (`drop(conn);` commented out and back: a finding comes and
  goes, so the analysis is real);
- an edit to a signature (a parameter's type): the file's facts change, so its crate's index
  is rebuilt.

Prints the time to the first diagnostics after opening (the workspace scan), the medians and
90th percentiles, and the server's peak resident memory (VmHWM of /proc/PID/status).
"""
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEBOUNCE_MS = 200


class Server:
    def __init__(self, binary, root):
        self.proc = subprocess.Popen([binary, "server"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def receive(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit("lsp-latency: the server closed its output")
            line = line.strip()
            if not line:
                break
            name, value = line.split(b":", 1)
            if name.lower() == b"content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        ident = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == ident and "method" not in message:
                return message

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri, version):
        while True:
            message = self.receive()
            params = message.get("params") or {}
            if message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri:
                if params.get("version") == version:
                    return params["diagnostics"]

    def peak_rss_kb(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0


def line_edit(lines, index, new):
    """A didChange replacing line `index` (without its line break) with `new`."""
    old = lines[index]
    lines[index] = new
    end = {"line": index, "character": len(old.encode("utf-16-le")) // 2}
    return {"range": {"start": {"line": index, "character": 0}, "end": end}, "text": new}


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    binary, root, file = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve()
    runs = int(sys.argv[4]) if len(sys.argv) == 5 else 10
    uri = file.as_uri()
    text = file.read_text()
    lines = text.split("\n")
    body = next(i for i, l in enumerate(lines) if l.strip() == "drop(conn);")
    signature = next(i for i, l in enumerate(lines) if l.startswith("pub async fn") and "id: i64" in l)

    server = Server(binary, root)
    server.request("initialize", {
        "processId": os.getpid(),
        "rootUri": root.as_uri(),
        "capabilities": {},
        "initializationOptions": {"debounceMs": DEBOUNCE_MS},
    })
    started = time.perf_counter()
    server.notify("initialized", {})
    server.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}})
    server.diagnostics(uri, 1)
    opened = time.perf_counter() - started

    version = 1
    timings = {"body": [], "signature": []}
    findings = set()
    for run in range(runs):
        for kind, index, edited in (
            ("body", body, lines[body].replace("drop(conn);", "// drop(conn);")),
            ("signature", signature, lines[signature].replace("id: i64", "id: i32")),
        ):
            original = lines[index]
            for new in (edited, original):
                version += 1
                change = line_edit(lines, index, new)
                sent = time.perf_counter()
                server.notify("textDocument/didChange",
                              {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
                found = server.diagnostics(uri, version)
                timings[kind].append((time.perf_counter() - sent) * 1000 - DEBOUNCE_MS)
                findings.add(len(found))
    if len(findings) < 2:
        sys.exit("lsp-latency: the edits changed no finding; the measure would not be of a real analysis")
    peak = server.peak_rss_kb()
    server.request("shutdown", None)
    server.notify("exit", None)
    server.proc.wait(timeout=30)

    def p90(values):
        return sorted(values)[max(0, int(len(values) * 0.9) - 1)]

    print(f"  open (the workspace scanned, the file published): {opened * 1000:.0f} ms")
    for kind, label in (("body", "keystroke in a function body"), ("signature", "edit to a signature (index rebuilt)")):
        values = timings[kind]
        print(f"  {label:38} median {statistics.median(values):5.0f} ms   p90 {p90(values):5.0f} ms"
              f"   (didChange to publishDiagnostics, less the {DEBOUNCE_MS} ms debounce; {len(values)} edits)")
    print(f"  server peak memory: {peak // 1024} MB")


if __name__ == "__main__":
    main()
