//! Finds the test and benchmark programs, which are `[[example]]` targets
//! (so `cargo install` leaves them out). Cargo sets `CARGO_BIN_EXE_*` only
//! for `[[bin]]` targets, so the path is worked out here: a test or bench
//! runs as `target/<profile>/deps/NAME-HASH`, examples land in
//! `target/<profile>/examples/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of example program `name`, built first with the profile this
/// test was built with. The build runs every time (once per test
/// process; a no-op when the program is fresh): `cargo test --test X` and
/// `cargo bench` do not build examples, and a program left from an older
/// build would run stale code. Without `CARGO` in the environment (the
/// test binary run by hand) an existing program is used as it is.
pub fn example(name: &str) -> String {
    let exe = std::env::current_exe().expect("the path of this test");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    if let Some(cargo) = std::env::var_os("CARGO") {
        build(&cargo, name, profile_dir);
    }
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --example {name}`",
        path.display()
    );
    path.into_os_string()
        .into_string()
        .expect("a UTF-8 target directory")
}

fn build(cargo: &std::ffi::OsStr, name: &str, profile_dir: &Path) {
    let profile = match profile_dir.file_name().and_then(|p| p.to_str()) {
        Some("debug") => "dev",
        Some(p) => p,
        None => "dev",
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let status = Command::new(cargo)
        .arg("build")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--profile", profile, "--example", name])
        .status()
        .expect("running cargo");
    assert!(status.success(), "cargo build --example {name} failed");
}
