//! The workspace folders the server analyses: for each, the configuration discovered as
//! `poolcheck check` discovers it from that folder (`poolcheck.toml`, `.poolcheck.toml`, or
//! `Cargo.toml` metadata, upward), and the folder's scan kept warm ([`LiveWorkspace`]).

use crate::config::{Config, ConfigError};
use crate::engine::live::LiveWorkspace;
use crate::engine::ScanOptions;
use crate::rules;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// One workspace folder.
pub struct Root {
    /// The folder (canonical when it exists).
    pub folder: PathBuf,
    /// Its scan, once loaded.
    pub live: Option<LiveWorkspace>,
    /// The configuration in force: the last one that was valid (the default before any was).
    config: Config,
}

/// What loading a folder's configuration and scan came to.
pub struct Loaded {
    /// The configuration was invalid: its problems (the previous configuration stays in force).
    pub config_error: Option<ConfigError>,
    /// How many files the scan found.
    pub files: usize,
    /// Wall-clock time of the scan.
    pub elapsed: std::time::Duration,
}

impl Root {
    /// A folder not loaded yet.
    pub fn new(folder: PathBuf) -> Root {
        let folder = std::fs::canonicalize(&folder).unwrap_or(folder);
        Root { folder, live: None, config: Config::default() }
    }

    /// Whether a path lies in this folder.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.folder)
    }

    /// Discovers the configuration again and scans the folder with it. An invalid
    /// configuration keeps the previous one in force and is returned in [`Loaded`]; only a scan
    /// that cannot start (the folder is gone) is an error.
    pub fn load(&mut self) -> Result<Loaded> {
        let started = std::time::Instant::now();
        let config_error = match Config::discover(&self.folder) {
            Ok(config) => {
                self.config = config;
                None
            }
            Err(e) => Some(e),
        };
        let config = self.config.clone();
        let mut opts = ScanOptions::new(vec![self.folder.clone()]);
        opts.rules = rules::selected(config.select.as_deref(), &config.ignore);
        opts.include_tests = config.include_tests;
        opts.max_file_size = config.max_file_size.unwrap_or(opts.max_file_size);
        opts.config = config;
        self.live = None;
        let live = LiveWorkspace::load(opts).with_context(|| format!("cannot scan {}", self.folder.display()))?;
        let files = live.files();
        self.live = Some(live);
        Ok(Loaded { config_error, files, elapsed: started.elapsed() })
    }
}

/// Whether a file is one whose change can change the configuration or the packages:
/// `poolcheck.toml`, `.poolcheck.toml` or `Cargo.toml`.
pub fn is_config_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "poolcheck.toml" || n == ".poolcheck.toml" || n == "Cargo.toml")
}
