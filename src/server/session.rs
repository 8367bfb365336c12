//! The server's state between messages: the open documents, the workspace folders with their
//! configuration and warm scan, and what waits to be analysed and published. Edits are
//! analysed after a quiet spell (the debounce); opening or saving a document, and any request
//! about one, analyse at once. While the client is quiet, files left behind by an index change
//! are analysed again a few at a time, and what that changes is published.

use super::documents::Documents;
use super::positions::{self, Encoding};
use super::roots::{self, Root};
use super::{actions, diagnostics, hover};
use crate::source::FileId;
use crossbeam_channel::Sender;
use lsp_server::{Message, Notification, Request, RequestId};
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::request::{RegisterCapability, Request as _};
use lsp_types::{
    CodeActionOrCommand, CodeActionParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, FileChangeType, FileSystemWatcher, GlobPattern, Hover, HoverParams, InitializeParams,
    LogMessageParams, MessageType, PublishDiagnosticsParams, Registration, RegistrationParams, ShowMessageParams, Url,
};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long edits wait for the next keystroke before they are analysed, unless the client
/// sets `debounceMs` in its initialization options.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(200);

/// How many files an idle moment analyses again before looking for messages: a message that
/// comes meanwhile waits for them (about 7 ms a file of 450 lines).
const CATCH_UP_BUDGET: usize = 2;

/// The files whose changes the server watches, when the client can watch for it.
const WATCHED: &[&str] = &["**/poolcheck.toml", "**/.poolcheck.toml", "**/Cargo.toml", "**/*.rs"];

/// Everything the server knows between two messages.
pub struct Session {
    sender: Sender<Message>,
    /// How positions count columns, as negotiated.
    encoding: Encoding,
    debounce: Duration,
    /// Whether the client lets the server register file watchers.
    can_watch: bool,
    documents: Documents,
    roots: Vec<Root>,
    /// Documents edited or opened since their diagnostics were published.
    pending: BTreeSet<Url>,
    /// When pending work is done.
    due: Option<Instant>,
    /// Folders to load again (their configuration or packages changed).
    reload: BTreeSet<usize>,
    /// Folders where Rust files may have come or gone: loaded again if a walk finds others.
    rewalk: BTreeSet<usize>,
    /// The diagnostics last published, by document.
    published: HashMap<Url, Vec<lsp_types::Diagnostic>>,
    /// Files an invalid configuration's problems are published on, by folder.
    config_problems: HashMap<usize, Vec<Url>>,
}

impl Session {
    /// A session for a client that sent `params`.
    pub fn new(sender: Sender<Message>, params: &InitializeParams) -> Session {
        let capabilities = &params.capabilities;
        let encoding = Encoding::negotiate(capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref()));
        let can_watch = capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let mut session = Session {
            sender,
            encoding,
            debounce: DEFAULT_DEBOUNCE,
            can_watch,
            documents: Documents::default(),
            roots: folders(params).into_iter().map(Root::new).collect(),
            pending: BTreeSet::new(),
            due: None,
            reload: BTreeSet::new(),
            rewalk: BTreeSet::new(),
            published: HashMap::new(),
            config_problems: HashMap::new(),
        };
        if let Some(options) = &params.initialization_options {
            session.apply_options(options);
        }
        session
    }

    /// The negotiated position encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    fn apply_options(&mut self, options: &serde_json::Value) {
        match options.get("debounceMs") {
            None => {}
            Some(ms) => match ms.as_u64() {
                Some(ms) => self.debounce = Duration::from_millis(ms.min(10_000)),
                None => self.log(MessageType::WARNING, format!("`debounceMs` is not a number of milliseconds: {ms}")),
            },
        }
    }

    /// After the handshake: watch the configuration and sources, scan every folder, and
    /// publish what the open documents hold.
    pub fn start(&mut self) {
        if self.can_watch {
            let watchers = WATCHED
                .iter()
                .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String((*glob).to_owned()), kind: None })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "poolcheck-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            let params = RegistrationParams { registrations: vec![registration] };
            let id = RequestId::from("poolcheck-register-watchers".to_owned());
            self.send(Request::new(id, RegisterCapability::METHOD.into(), params).into());
        }
        if self.roots.is_empty() {
            self.show(MessageType::WARNING, "poolcheck: no workspace folder; open a folder to analyse it".into());
        }
        self.reload.extend(0..self.roots.len());
        self.due = Some(Instant::now());
    }

    /// When the main loop should call [`Session::wake`] if no message comes first.
    pub fn wakeup(&self) -> Option<Instant> {
        let behind = self.roots.iter().any(|r| r.live.as_ref().is_some_and(|l| l.is_behind()));
        self.due.or(behind.then(Instant::now))
    }

    /// Does what is due: pending work, or a step of catching up while the client is quiet.
    pub fn wake(&mut self) {
        if self.due.is_some_and(|due| due <= Instant::now()) {
            self.flush();
            return;
        }
        for i in 0..self.roots.len() {
            let Some(live) = self.roots[i].live.as_mut() else { continue };
            if live.is_behind() && !live.catch_up(CATCH_UP_BUDGET) {
                self.publish_root(i);
            }
        }
    }

    /// A document opened: analysed from its text at once.
    pub fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.documents.open(doc.uri.clone(), doc.version, doc.text.clone());
        if let Some((root, id)) = self.locate(&doc.uri) {
            if let Some(live) = self.roots[root].live.as_mut() {
                live.set_text(id, Some(doc.text));
            }
            self.schedule(doc.uri, Duration::ZERO);
        }
    }

    /// A document edited: analysed once the edits pause for the debounce.
    pub fn did_change(&mut self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        if !self.documents.change(&uri, params.text_document.version, params.content_changes, self.encoding) {
            return;
        }
        if let Some((root, id)) = self.locate(&uri) {
            let text = self.documents.get(&uri).map(|d| d.text.clone());
            if let Some(live) = self.roots[root].live.as_mut() {
                live.set_text(id, text);
            }
            self.schedule(uri, self.debounce);
        }
    }

    /// A document saved: published at once; a saved configuration or manifest reloads its
    /// folder.
    pub fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(path) = path_of(&uri) else { return };
        if roots::is_config_file(&path) {
            self.reload_folder_of(&path, Reload::Always);
        } else if self.locate(&uri).is_some() {
            self.schedule(uri, Duration::ZERO);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // perhaps a new file, if the client does not tell the server about created files
            self.reload_folder_of(&path, Reload::IfTheWalkDiffers);
        }
    }

    /// A document closed: analysed from disk again, its diagnostics cleared.
    pub fn did_close(&mut self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.documents.close(&uri);
        self.pending.remove(&uri);
        if let Some((root, id)) = self.locate(&uri) {
            if let Some(live) = self.roots[root].live.as_mut() {
                live.set_text(id, None);
            }
            self.due.get_or_insert(Instant::now() + self.debounce);
        }
        if self.published.remove(&uri).is_some() {
            self.publish(uri, Vec::new(), None);
        }
    }

    /// Files changed on disk: configuration and manifests reload their folder, created or
    /// deleted Rust files rewalk it, changed ones not open are read again.
    pub fn watched_files_changed(&mut self, params: DidChangeWatchedFilesParams) {
        for change in params.changes {
            let Some(path) = path_of(&change.uri) else { continue };
            let is_rust = path.extension().is_some_and(|e| e == "rs");
            if roots::is_config_file(&path) {
                self.reload_folder_of(&path, Reload::Always);
            } else if is_rust && change.typ != FileChangeType::CHANGED {
                // created or deleted: a build script's output under `target/` is not the scan's
                self.reload_folder_of(&path, Reload::IfTheWalkDiffers);
            } else if is_rust && self.documents.get(&change.uri).is_none() {
                // changed on disk, not in the editor: read again (an unchanged text costs nothing)
                if let Some((root, id)) = self.locate(&change.uri) {
                    if let Some(live) = self.roots[root].live.as_mut() {
                        live.set_text(id, None);
                    }
                    self.due.get_or_insert(Instant::now() + self.debounce);
                }
            }
        }
    }

    /// The hover at a position, after pending edits are analysed.
    pub fn hover(&mut self, params: HoverParams) -> Option<Hover> {
        self.flush_pending();
        let at = params.text_document_position_params;
        let (root, id) = self.locate(&at.text_document.uri)?;
        let root = &self.roots[root];
        let live = root.live.as_ref()?;
        let offset = positions::offset(&live.source(id)?.text, at.position, self.encoding);
        hover::hover(live, id, offset, &root.folder, self.encoding)
    }

    /// The quick fixes for a range, after pending edits are analysed.
    pub fn code_actions(&mut self, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
        if !actions::wants_quick_fixes(params.context.only.as_deref()) {
            return Vec::new();
        }
        self.flush_pending();
        let uri = &params.text_document.uri;
        let Some((root, id)) = self.locate(uri) else { return Vec::new() };
        let Some(live) = self.roots[root].live.as_ref() else { return Vec::new() };
        let Some(source) = live.source(id) else { return Vec::new() };
        let wanted = positions::byte_range(&source.text, params.range, self.encoding);
        actions::quick_fixes(live, id, uri, wanted, self.encoding)
    }

    fn schedule(&mut self, uri: Url, after: Duration) {
        self.pending.insert(uri);
        let at = Instant::now() + after;
        // the debounce restarts with each edit; an open or a save does not wait for it
        self.due = Some(if after.is_zero() { self.due.map_or(at, |due| due.min(at)) } else { at });
    }

    fn reload_folder_of(&mut self, path: &Path, when: Reload) {
        if let Some(i) = self.root_of(path) {
            match when {
                Reload::Always => self.reload.insert(i),
                Reload::IfTheWalkDiffers => self.rewalk.insert(i),
            };
            self.due.get_or_insert(Instant::now() + self.debounce);
        }
    }

    fn flush_pending(&mut self) {
        if self.due.is_some() {
            self.flush();
        }
    }

    /// Loads the folders that need it, brings the open documents' analysis up to date and
    /// publishes: the pending documents always, the others when their diagnostics changed.
    fn flush(&mut self) {
        self.due = None;
        for i in std::mem::take(&mut self.rewalk) {
            if self.roots[i].live.as_ref().is_none_or(|live| live.walk_differs()) {
                self.reload.insert(i);
            }
        }
        for i in std::mem::take(&mut self.reload) {
            self.load(i);
        }
        for i in 0..self.roots.len() {
            let open: Vec<FileId> = self.open_in(i).into_iter().map(|(_, id)| id).collect();
            if let Some(live) = self.roots[i].live.as_mut() {
                live.refresh(&open);
            }
            self.publish_root(i);
        }
        self.pending.clear();
    }

    /// Scans a folder again, with its configuration discovered again; the editor's texts
    /// then stand over the disk's.
    fn load(&mut self, i: usize) {
        let outcome = self.roots[i].load();
        for uri in self.config_problems.remove(&i).unwrap_or_default() {
            self.publish(uri, Vec::new(), None);
        }
        match outcome {
            Ok(loaded) => {
                let folder = self.roots[i].folder.display().to_string();
                let seconds = loaded.elapsed.as_secs_f64();
                self.log(MessageType::INFO, format!("scanned {folder}: {} file(s) in {seconds:.2} s", loaded.files));
                if let Some(error) = loaded.config_error {
                    self.report_config_error(i, &error);
                }
            }
            Err(e) => self.show(MessageType::ERROR, format!("poolcheck: {e:#}")),
        }
        for (uri, id) in self.open_in(i) {
            let text = self.documents.get(&uri).map(|d| d.text.clone());
            if let Some(live) = self.roots[i].live.as_mut() {
                live.set_text(id, text);
            }
            self.pending.insert(uri);
        }
    }

    fn report_config_error(&mut self, i: usize, error: &crate::config::ConfigError) {
        self.show(
            MessageType::ERROR,
            format!(
                "poolcheck: invalid configuration; findings use the last valid one (the default if none was) \
                 until it is fixed: {error}"
            ),
        );
        let documents = &self.documents;
        let text_of = |path: &Path| {
            let uri = Url::from_file_path(path).ok()?;
            documents.get(&uri).map(|d| d.text.clone()).or_else(|| std::fs::read_to_string(path).ok())
        };
        let problems = diagnostics::config_problems(error, &self.roots[i].folder, self.encoding, text_of);
        let uris = problems.iter().map(|(uri, _)| uri.clone()).collect();
        for (uri, list) in problems {
            self.publish(uri, list, None);
        }
        self.config_problems.insert(i, uris);
    }

    /// Publishes the diagnostics of a folder's open documents: the pending ones always, the
    /// others when they changed.
    fn publish_root(&mut self, i: usize) {
        for (uri, id) in self.open_in(i) {
            let Some(live) = self.roots[i].live.as_ref() else { return };
            let list: Vec<lsp_types::Diagnostic> =
                live.findings(id).iter().map(|d| diagnostics::to_lsp(d, live, self.encoding)).collect();
            if self.pending.contains(&uri) || self.published.get(&uri) != Some(&list) {
                let version = self.documents.get(&uri).map(|d| d.version);
                self.published.insert(uri.clone(), list.clone());
                self.publish(uri, list, version);
            }
        }
    }

    /// The open documents that are files of a folder's scan.
    fn open_in(&self, i: usize) -> Vec<(Url, FileId)> {
        let Some(live) = self.roots[i].live.as_ref() else { return Vec::new() };
        self.documents
            .iter()
            .filter_map(|(uri, _)| {
                let path = path_of(uri)?;
                let root = self.root_of(&path)?;
                let id = live.file_id(&path).filter(|&id| root == i && live.is_reported(id))?;
                Some((uri.clone(), id))
            })
            .collect()
    }

    /// The folder and file of a document, when a folder's scan reports that file.
    fn locate(&self, uri: &Url) -> Option<(usize, FileId)> {
        let path = path_of(uri)?;
        let root = self.root_of(&path)?;
        let live = self.roots[root].live.as_ref()?;
        let id = live.file_id(&path)?;
        live.is_reported(id).then_some((root, id))
    }

    /// The innermost folder a path lies in.
    fn root_of(&self, path: &Path) -> Option<usize> {
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, r)| r.contains(path))
            .max_by_key(|(_, r)| r.folder.as_os_str().len())
            .map(|(i, _)| i)
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into());
    }

    /// Tells the user (`window/showMessage`).
    pub fn show(&self, typ: MessageType, message: String) {
        self.send(Notification::new(ShowMessage::METHOD.into(), ShowMessageParams { typ, message }).into());
    }

    /// Writes to the client's log (`window/logMessage`).
    pub fn log(&self, typ: MessageType, message: String) {
        self.send(Notification::new(LogMessage::METHOD.into(), LogMessageParams { typ, message }).into());
    }

    fn send(&self, message: Message) {
        // a client that went away is noticed by the main loop, when its input ends
        let _ = self.sender.send(message);
    }
}

/// When a change to a folder's files loads it again.
enum Reload {
    /// The configuration or the packages may have changed.
    Always,
    /// Rust files may have come or gone: only if a walk finds other files than the scan did.
    IfTheWalkDiffers,
}

/// A `file:` URI's path, canonical when it exists (as the scan's paths are).
fn path_of(uri: &Url) -> Option<PathBuf> {
    let path = uri.to_file_path().ok()?;
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The workspace folders of the handshake: `workspaceFolders`, else the older `rootUri`.
#[allow(deprecated)] // `rootUri` is how clients without workspace folders name theirs
fn folders(params: &InitializeParams) -> Vec<PathBuf> {
    match &params.workspace_folders {
        Some(folders) if !folders.is_empty() => folders.iter().filter_map(|f| f.uri.to_file_path().ok()).collect(),
        _ => params.root_uri.iter().filter_map(|uri| uri.to_file_path().ok()).collect(),
    }
}
