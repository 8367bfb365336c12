//! The wire: LSP's `Content-Length` framing on stdin and stdout, as `lsp_server` messages on a
//! [`Connection`]. `lsp_server`'s own stdio transport ends the connection at the first payload
//! that is not JSON-RPC and allocates whatever `Content-Length` says; this one answers such a
//! payload with a JSON-RPC error (`id: null` when the id cannot be read) and reads on, skips a
//! body over [`MAX_BODY`] without holding it, and caps header lines.

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::thread::JoinHandle;

/// The largest message read: an 8 MiB file (the default `max-file-size`) escaped as JSON, with
/// room to spare. A larger one is skipped and answered with an error.
const MAX_BODY: usize = 64 << 20;

/// The longest header line kept; the rest of a longer one is skipped.
const MAX_HEADER_LINE: usize = 8 << 10;

/// The threads that read stdin and write stdout.
pub struct Transport {
    writer: JoinHandle<io::Result<()>>,
}

impl Transport {
    /// Waits until every message sent on the connection is written, or the client closed its
    /// end (after `exit` that changes nothing). The connection must be dropped first; the
    /// reader thread, blocked on stdin, ends with the process.
    pub fn finish(self) {
        let _ = self.writer.join();
    }
}

/// A connection over stdin and stdout.
pub fn stdio() -> (Connection, Transport) {
    let (to_client, outgoing) = crossbeam_channel::unbounded::<Message>();
    let (error_to_client, errors) = crossbeam_channel::unbounded::<Value>();
    let (incoming, from_client) = crossbeam_channel::unbounded::<Message>();
    std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || read_messages(&mut io::stdin().lock(), &incoming, &error_to_client))
        .expect("cannot start the stdin reader thread");
    let writer = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || write_messages(&mut io::stdout().lock(), &outgoing, errors))
        .expect("cannot start the stdout writer thread");
    (Connection { sender: to_client, receiver: from_client }, Transport { writer })
}

/// Reads messages until the input ends or `exit` arrives; what cannot be read as a message is
/// answered on `errors`.
fn read_messages(input: &mut impl BufRead, messages: &Sender<Message>, errors: &Sender<Value>) {
    loop {
        let body = match read_frame(input) {
            Ok(Frame::Body(body)) => body,
            Ok(Frame::Unusable(why)) => {
                let _ = errors.send(error_response(Value::Null, ErrorCode::InvalidRequest, &why));
                continue;
            }
            Ok(Frame::End) | Err(_) => return,
        };
        match decode(&body) {
            Ok(message) => {
                let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if messages.send(message).is_err() || is_exit {
                    return;
                }
            }
            Err(response) => {
                let _ = errors.send(response);
            }
        }
    }
}

/// Writes the server's messages, and the transport's error responses, until the server drops
/// its sender.
fn write_messages(output: &mut impl Write, messages: &Receiver<Message>, errors: Receiver<Value>) -> io::Result<()> {
    let mut errors = Some(errors);
    loop {
        let never = crossbeam_channel::never();
        crossbeam_channel::select! {
            recv(messages) -> message => match message {
                Ok(message) => message.write(output)?,
                Err(_) => return Ok(()),
            },
            recv(errors.as_ref().unwrap_or(&never)) -> error => match error {
                Ok(error) => write_frame(output, &error.to_string())?,
                Err(_) => errors = None,
            },
        }
    }
}

fn write_frame(output: &mut impl Write, body: &str) -> io::Result<()> {
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

/// What one header block announced.
#[derive(Debug, PartialEq)]
enum Frame {
    /// A message body.
    Body(Vec<u8>),
    /// Headers without a usable body: why.
    Unusable(String),
    /// The input ended.
    End,
}

/// Reads one header block and the body it announces.
fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut problem: Option<String> = None;
    let mut headers = 0;
    loop {
        let Some(line) = read_header_line(input)? else { return Ok(Frame::End) };
        let Some(line) = line else {
            problem = Some(format!("a header line is longer than {MAX_HEADER_LINE} bytes"));
            headers += 1;
            continue;
        };
        if line.is_empty() {
            if headers == 0 {
                // a stray line break between messages
                continue;
            }
            break;
        }
        headers += 1;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => match value.trim().parse() {
                Ok(n) => length = Some(n),
                Err(_) => problem = Some(format!("invalid Content-Length `{}`", value.trim())),
            },
            Some(_) => {}
            None => problem = Some(format!("malformed header line `{}`", line.chars().take(80).collect::<String>())),
        }
    }
    match (length, problem) {
        (_, Some(problem)) => Ok(Frame::Unusable(problem)),
        (None, None) => Ok(Frame::Unusable("no Content-Length header".into())),
        (Some(n), None) if n > MAX_BODY => {
            io::copy(&mut input.take(n as u64), &mut io::sink())?;
            Ok(Frame::Unusable(format!("a message of {n} bytes is over the {MAX_BODY}-byte limit; skipped")))
        }
        (Some(n), None) => {
            let mut body = vec![0; n];
            match input.read_exact(&mut body) {
                Ok(()) => Ok(Frame::Body(body)),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Frame::End),
                Err(e) => Err(e),
            }
        }
    }
}

/// One header line without its line break: `None` at the end of the input, `Some(None)` for a
/// line over [`MAX_HEADER_LINE`] (skipped to its end).
fn read_header_line(input: &mut impl BufRead) -> io::Result<Option<Option<String>>> {
    let mut line = Vec::new();
    let n = input.take(MAX_HEADER_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") && line.len() > MAX_HEADER_LINE {
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let n = input.take(MAX_HEADER_LINE as u64).read_until(b'\n', &mut rest)?;
            if n == 0 || rest.ends_with(b"\n") {
                return Ok(Some(None));
            }
        }
    }
    let text = String::from_utf8_lossy(&line);
    Ok(Some(Some(text.trim_end_matches(['\r', '\n']).to_owned())))
}

/// A body as a message, or the error response it gets.
fn decode(body: &[u8]) -> Result<Message, Value> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| error_response(Value::Null, ErrorCode::ParseError, &format!("not JSON: {e}")))?;
    // an id of the wrong shape is echoed when it is a number or a string, as JSON-RPC asks
    let has_id = value.get("id").is_some();
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let message = serde_json::from_value(value).map_err(|e| {
        let why = format!("not a JSON-RPC request, response or notification this server reads: {e}");
        error_response(id.clone(), ErrorCode::InvalidRequest, &why)
    })?;
    match message {
        // a request whose id `lsp_server` cannot hold reads as a notification: it must be
        // answered all the same, or the client waits forever
        Message::Notification(_) if has_id => {
            let why = "a request's id must be a string or a 32-bit integer";
            Err(error_response(id, ErrorCode::InvalidRequest, why))
        }
        message => Ok(message),
    }
}

fn error_response(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code as i32, "message": message } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut input = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match read_frame(&mut input).unwrap() {
                Frame::End => return out,
                frame => out.push(frame),
            }
        }
    }

    #[test]
    fn frames_are_read_whatever_the_header_case_and_extra_headers() {
        let input =
            b"content-length: 2\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n{}Content-Length: 3\r\n\r\n[1]";
        assert_eq!(frames(input), [Frame::Body(b"{}".to_vec()), Frame::Body(b"[1]".to_vec())]);
    }

    #[test]
    fn broken_headers_are_reported_and_reading_goes_on() {
        let input = b"Content-Length: x\r\n\r\nno colon here\r\n\r\nContent-Length: 2\r\n\r\n{}";
        let got = frames(input);
        assert!(matches!(&got[0], Frame::Unusable(why) if why.contains("invalid Content-Length")), "{got:?}");
        assert!(matches!(&got[1], Frame::Unusable(why) if why.contains("malformed header")), "{got:?}");
        assert_eq!(got[2], Frame::Body(b"{}".to_vec()));
    }

    #[test]
    fn an_oversized_body_is_skipped_not_held() {
        let mut input = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1).into_bytes();
        input.resize(input.len() + MAX_BODY + 1, b' ');
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        let got = frames(&input);
        assert!(matches!(&got[0], Frame::Unusable(why) if why.contains("over the")), "{got:?}");
        assert_eq!(got[1], Frame::Body(b"{}".to_vec()));
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        assert_eq!(frames(b"Content-Length: 10\r\n\r\n{}"), []);
    }

    #[test]
    fn undecodable_bodies_get_error_responses_with_the_id_when_readable() {
        let parse = decode(b"{not json").unwrap_err();
        assert_eq!(parse["error"]["code"], -32700);
        assert_eq!(parse["id"], Value::Null);
        // lsp_server's ids are 32-bit: a larger one is an invalid request, answered to that id
        let invalid = decode(br#"{"jsonrpc":"2.0","id":4294967296,"method":"hover"}"#).unwrap_err();
        assert_eq!(invalid["error"]["code"], -32600);
        assert_eq!(invalid["id"], 4294967296u64);
        assert!(matches!(decode(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#), Ok(Message::Request(_))));
    }
}
