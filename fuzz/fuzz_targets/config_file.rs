//! Configuration files in every format (the first byte picks TOML, YAML, JSON or `.env`):
//! leaves with spans, settings, the rules. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poolcheck::engine::check_text;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = ["settings.toml", "settings.yaml", "settings.json", ".env"][usize::from(pick) % 4];
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = check_text(std::path::Path::new(name), text, &Default::default(), poolcheck::rules::ALL);
    }
});
