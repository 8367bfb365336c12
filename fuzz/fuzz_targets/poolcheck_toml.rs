//! `poolcheck.toml` itself: any text is a configuration or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = poolcheck::config::Config::parse_str(text);
    }
});
