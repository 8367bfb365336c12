//! The `poolcheck` binary.

/// mimalloc: the scan allocates many small syntax nodes; glibc malloc was a quarter of the profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    poolcheck::cli::main()
}
