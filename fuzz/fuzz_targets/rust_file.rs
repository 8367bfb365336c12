//! The whole per-file pipeline on arbitrary bytes as a `.rs` file: parse, index, analyse,
//! summarise. Must never panic, overflow or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poolcheck::engine::check_text;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check_text(std::path::Path::new("fuzz.rs"), text, &Default::default(), poolcheck::rules::ALL);
    }
});
