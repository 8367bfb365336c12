//! The `cargo-poolcheck` binary, so that `cargo poolcheck` works.

fn main() -> std::process::ExitCode {
    poolcheck::cli::cargo_main()
}
