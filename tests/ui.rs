//! Compile-fail tests: one file per rule of the checker, with the compiler's output checked in
//! next to it (the book shows these `.stderr` files); and compile-pass tests for what it
//! accepts, which are also run.
//!
//! Both sets are in one `TestCases` on purpose: with a pass case present, trybuild *builds*
//! every case instead of only checking it, and the padding of a generic record can only be
//! checked when it is instantiated, at code generation.
//!
//! # Which compiler the `.stderr` files are for
//!
//! The `.stderr` files are rustc [`STDERR_RUSTC`]'s output, word for word (trybuild only removes
//! the absolute paths of this crate). Another rustc words, orders and spans its diagnostics a
//! little differently, so on another compiler the compile-fail cases are not compared (the test
//! says so on stderr) and only the pass cases run. To move to a new compiler, run
//! `TRYBUILD=overwrite cargo test --test ui`, read the diff of `tests/ui/fail/*.stderr` (every
//! error must still be on the offending line and name the field), and update [`STDERR_RUSTC`].
//! There is no `rust-toolchain.toml` pinning the compiler: these machines have only the one
//! installed, and a file naming another would break every build.

/// The `major.minor` version of the rustc that wrote `tests/ui/fail/*.stderr`.
const STDERR_RUSTC: &str = "1.95";

/// `major.minor` of the rustc that builds the cases (the one cargo runs).
fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc runs");
    let version = String::from_utf8(output.stdout).expect("rustc prints UTF-8");
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let number = version
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected `rustc --version`: {version}"));
    number.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[test]
fn the_checker_refuses_what_cannot_be_shared_and_accepts_the_rest() {
    let t = trybuild::TestCases::new();
    let rustc = rustc_version();
    if rustc == STDERR_RUSTC {
        t.compile_fail("tests/ui/fail/*.rs");
    } else {
        eprintln!(
            "tests/ui/fail/*.stderr are rustc {STDERR_RUSTC}'s output and this is rustc {rustc}: \
             the compile-fail cases are not compared, only the pass cases run"
        );
    }
    t.pass("tests/ui/pass/*.rs");
}

/// The book shows the `.stderr` files as what the reader's compiler prints: no trybuild
/// placeholder may stand in for text the compiler would print (`$N others` for a count of
/// impls, `$RUST` for the standard library's path, `$DIR` for the test's directory). The
/// derive keeps them out by design: every impl of `ShmSafe` is `do_not_recommend` (no list of
/// other impls), and the padding checks panic in the generated constant itself (no frame in
/// `core`).
#[test]
fn the_stderr_files_read_as_a_compiler_prints_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/fail");
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/ui/fail exists") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            files += 1;
            let text = std::fs::read_to_string(&path).expect("UTF-8 text");
            for placeholder in ["$N", "$RUST", "$DIR", "$WORKSPACE", "$CARGO"] {
                if text.contains(placeholder) {
                    found.push(format!("{}: {placeholder}", path.display()));
                }
            }
        }
    }
    assert!(
        files > 30,
        "the compile-fail cases have .stderr files ({files})"
    );
    assert!(
        found.is_empty(),
        "placeholders a reader's compiler would not print:\n{}",
        found.join("\n")
    );
}
