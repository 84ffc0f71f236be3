//! Runs `examples/shared_memory_crate.rs` and checks what it measured: the `shared_memory` crate
//! refuses a read-only reader, leaves a segment created on fd 0 behind and keeps a descriptor
//! per open mapping, where `shmsafe` does none of these; and the example leaves nothing behind.
//!
//! `cargo test` builds the examples before running tests; they sit next to this test's binary:
//! `target/<profile>/deps/shared_memory_crate-HASH` → `target/<profile>/examples/NAME`.

use std::path::Path;
use std::process::Command;

fn example_output() -> String {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/shared_memory_crate");
    assert!(path.exists(), "{} is not built", path.display());
    let out = Command::new(&path).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The one line of `output` that contains `text`.
fn line<'a>(output: &'a str, text: &str) -> &'a str {
    let found: Vec<&str> = output.lines().filter(|l| l.contains(text)).collect();
    assert_eq!(found.len(), 1, "one line with {text:?} in:\n{output}");
    found[0].trim()
}

/// The names of segments in `output`: words starting with `shmsafe_` or `shmem_`.
fn names(output: &str) -> Vec<String> {
    output
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("shmsafe_") || w.starts_with("shmem_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_shared_memory_crate_example_measures_what_the_book_says() {
    let out = example_output();

    // 1. A read-only segment: the crate's O_RDWR open is refused, shmsafe reads it.
    assert_eq!(
        line(&out, "shared_memory: Opening"),
        "shared_memory: Opening the shared memory failed, os error 13 (Permission denied)"
    );
    assert_eq!(
        line(&out, "shmsafe:       opened"),
        "shmsafe:       opened it read-only, 1000 records summing to 499500"
    );

    // 2. fd 0: both create on it; shmsafe removes its segment and closes fd 0, the crate does
    // neither, and the segment outlives the process until the example removes it.
    assert!(line(&out, "the child closes fd 0").ends_with("fd 0 is closed"));
    let shmsafe_created = line(&out, "shmsafe created");
    assert!(
        shmsafe_created.contains("on fd 0 (/dev/shm/shmsafe_"),
        "{shmsafe_created}"
    );
    assert!(
        line(&out, "shmsafe dropped it").ends_with("exists: false, fd 0 is closed"),
        "{out}"
    );
    let crate_created = line(&out, "shared_memory created");
    assert!(
        crate_created.contains("on fd 0 (/dev/shm/shmem_"),
        "{crate_created}"
    );
    let crate_dropped = line(&out, "shared_memory dropped it");
    assert!(
        crate_dropped.contains("exists: true, fd 0 is /dev/shm/shmem_"),
        "{crate_dropped}"
    );
    assert!(line(&out, "after the child exited").ends_with("exists: true"));
    assert!(line(&out, "shmsafe::remove refuses it").contains("is not a shmsafe array"));
    assert!(line(&out, "shmsafe::remove_any removed it").ends_with("exists: false"));

    // 3. Descriptors held by 100 open mappings.
    assert!(
        line(&out, "100 open Shmem hold 100 more file descriptors").starts_with("shared_memory")
    );
    assert!(line(&out, "100 open SharedArray hold 0 more file descriptors").starts_with("shmsafe"));

    // Nothing left behind.
    let names = names(&out);
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        assert!(
            !Path::new(&format!("/dev/shm/{name}")).exists(),
            "{name} left behind"
        );
    }
}

/// Segment names (`shmsafe_` + 16 hex digits, `shmem_` + 16 hex digits) replaced by a stand-in.
fn normalize(text: &str) -> String {
    let mut out = text.to_owned();
    for name in names(text) {
        let stand_in = if name.starts_with("shmem_") {
            "shmem_NAME"
        } else {
            "shmsafe_NAME"
        };
        out = out.replace(&name, stand_in);
    }
    out
}

/// The book shows this example's output in "Inside SharedArray": it must be what it prints. The
/// first part's header says how it measured (as root, as user `nobody`), so it is compared as
/// the book shows it only for root, and from part 2 on for everyone.
#[test]
fn the_book_shows_what_the_example_prints() {
    let chapter = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/inside-shared-array.md"),
    )
    .unwrap();
    let after = chapter
        .split("cargo run --example shared_memory_crate\n")
        .nth(1)
        .expect("the chapter shows the command");
    let shown = after
        .split("```text\n")
        .nth(1)
        .and_then(|block| block.split("\n```").next())
        .expect("the chapter shows the output");
    let out = example_output();
    let (shown, out) = (normalize(shown), normalize(out.trim_end()));
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        assert_eq!(shown, out);
    } else {
        let part2 = |text: &str| text.split("\n2. ").nth(1).unwrap_or_default().to_owned();
        assert_eq!(part2(&shown), part2(&out));
    }
}
