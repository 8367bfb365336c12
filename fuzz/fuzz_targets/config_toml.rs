//! A TOML configuration file: leaves with spans, settings, the pool-configuration rules.
//! Must never panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use poolcheck::config::Config;
use poolcheck::engine::check_text;

/// Built once: the embedded catalogue and policy are the same for every input.
static CONFIG: LazyLock<Config> = LazyLock::new(Config::default);

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check_text(std::path::Path::new("settings.toml"), text, &CONFIG, poolcheck::rules::ALL);
    }
});
