//! `poolcheck server`: a language server over stdio, on rust-analyzer's `lsp-server` and
//! `lsp-types`. This module owns the protocol's life cycle (initialize, the main loop,
//! shutdown and exit) and hands each message to the [`session::Session`]; a message it cannot
//! use gets a JSON-RPC error (requests) or is dropped (notifications), and a panic while
//! handling one is answered as an internal error, never a crash.

mod actions;
mod diagnostics;
mod documents;
mod hover;
mod positions;
mod roots;
mod session;
mod transport;

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability, InitializeParams,
    InitializeResult, MessageType, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use serde::de::DeserializeOwned;
use session::Session;

/// Serves one client on stdin and stdout until it sends `exit` or its input ends. Returns
/// whether it asked for `shutdown` first (the exit status is 0 then, 1 otherwise).
pub fn run() -> bool {
    let (connection, transport) = transport::stdio();
    let clean = serve(&connection);
    drop(connection);
    transport.finish();
    clean
}

/// The life cycle: the handshake, then messages until `exit`.
fn serve(connection: &Connection) -> bool {
    let Some((id, params)) = handshake(connection) else { return false };
    let mut session = Session::new(connection.sender.clone(), &params);
    let result = InitializeResult {
        capabilities: capabilities(session.encoding().kind()),
        server_info: Some(ServerInfo { name: "poolcheck".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    };
    respond(connection, Response::new_ok(id, result));
    let mut shutting_down = false;
    loop {
        let message = match session.wakeup() {
            None => connection.receiver.recv().ok(),
            Some(at) => match connection.receiver.recv_deadline(at) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(cause) = guarded(|| session.wake()) {
                        log_panic(&session, "analysis", &cause);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => None,
            },
        };
        // the input ended without `exit`: as good as an exit
        let Some(message) = message else { return shutting_down };
        match message {
            Message::Request(request) if shutting_down => {
                let why = "the server is shutting down".to_owned();
                respond(connection, Response::new_err(request.id, ErrorCode::InvalidRequest as i32, why));
            }
            Message::Request(request) if request.method == "shutdown" => {
                shutting_down = true;
                respond(connection, Response::new_ok(request.id, ()));
            }
            Message::Request(request) => {
                let id = request.id.clone();
                let method = request.method.clone();
                let response = guarded(|| handle_request(&mut session, request)).unwrap_or_else(|cause| {
                    log_panic(&session, &method, &cause);
                    internal_error(id, &method)
                });
                respond(connection, response);
            }
            Message::Notification(n) if n.method == "exit" => return shutting_down,
            Message::Notification(_) if shutting_down => {}
            Message::Notification(n) => {
                let method = n.method.clone();
                if let Err(cause) = guarded(|| handle_notification(&mut session, n)) {
                    log_panic(&session, &method, &cause);
                }
            }
            // the client's answer to a registration: nothing to do either way
            Message::Response(_) => {}
        }
    }
}

/// Waits for `initialize`. Requests before it are refused as the protocol says, notifications
/// dropped; `None` when the client exits or goes away first.
fn handshake(connection: &Connection) -> Option<(RequestId, InitializeParams)> {
    loop {
        match connection.receiver.recv().ok()? {
            Message::Request(request) if request.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => return Some((request.id, params)),
                    Err(e) => respond(connection, invalid_params(request.id, &e)),
                }
            }
            Message::Request(request) => {
                let why = "the server is not initialized yet".to_owned();
                respond(connection, Response::new_err(request.id, ErrorCode::ServerNotInitialized as i32, why));
            }
            Message::Notification(n) if n.method == "exit" => return None,
            _ => {}
        }
    }
}

/// What the server offers.
fn capabilities(encoding: lsp_types::PositionEncodingKind) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn handle_request(session: &mut Session, request: Request) -> Response {
    let id = request.id.clone();
    match request.method.as_str() {
        HoverRequest::METHOD => match params(request.params) {
            Ok(params) => Response::new_ok(id, session.hover(params)),
            Err(e) => invalid_params(id, &e),
        },
        CodeActionRequest::METHOD => match params(request.params) {
            Ok(params) => Response::new_ok(id, session.code_actions(params)),
            Err(e) => invalid_params(id, &e),
        },
        "initialize" => {
            Response::new_err(id, ErrorCode::InvalidRequest as i32, "the server is already initialized".into())
        }
        method => Response::new_err(id, ErrorCode::MethodNotFound as i32, format!("unknown method `{method}`")),
    }
}

fn handle_notification(session: &mut Session, notification: Notification) {
    let Notification { method, params: value } = notification;
    let outcome = match method.as_str() {
        "initialized" => {
            session.start();
            Ok(())
        }
        DidOpenTextDocument::METHOD => params(value).map(|p| session.did_open(p)),
        DidChangeTextDocument::METHOD => params(value).map(|p| session.did_change(p)),
        DidSaveTextDocument::METHOD => params(value).map(|p| session.did_save(p)),
        DidCloseTextDocument::METHOD => params(value).map(|p| session.did_close(p)),
        DidChangeWatchedFiles::METHOD => params(value).map(|p| session.watched_files_changed(p)),
        // requests are answered in order, so there is nothing to cancel; other notifications
        // (`$/setTrace`, configuration changes) change nothing here
        _ => Ok(()),
    };
    if let Err(e) = outcome {
        session.log(MessageType::WARNING, format!("ignored `{method}`: invalid params: {e}"));
    }
}

fn params<P: DeserializeOwned>(value: serde_json::Value) -> Result<P, serde_json::Error> {
    serde_json::from_value(value)
}

fn invalid_params(id: RequestId, e: &serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, format!("invalid params: {e}"))
}

fn internal_error(id: RequestId, method: &str) -> Response {
    let why = format!("internal error while handling `{method}`; please report it");
    Response::new_err(id, ErrorCode::InternalError as i32, why)
}

fn respond(connection: &Connection, response: Response) {
    let _ = connection.sender.send(response.into());
}

/// Runs `f`, turning a panic into its message rather than ending the server.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

/// Logs a panic [`guarded`] caught while handling `what`.
fn log_panic(session: &Session, what: &str, cause: &str) {
    session.log(MessageType::ERROR, format!("internal error while handling `{what}`: {cause}; please report it"));
}
