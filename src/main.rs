//! The `poolcheck` binary.

fn main() -> std::process::ExitCode {
    poolcheck::cli::main()
}
