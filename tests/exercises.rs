//! The solutions to the book's exercises (`examples/exercises`), run one by one: each must do
//! what its chapter says, print what the chapter shows, and leave nothing in /dev/shm. Every
//! chapter that has an exercise must include its solution.
//!
//! `cargo test` builds the examples before running tests; the binary sits next to this test's:
//! `target/<profile>/deps/exercises-HASH` → `target/<profile>/examples/exercises`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/python.rs"]
#[allow(dead_code)] // only `python()` is needed here
mod python_env;

/// Chapter number, book page, solution module.
const EXERCISES: [(u32, &str, &str); 10] = [
    (1, "question.md", "ch01_memory_budget"),
    (2, "measuring.md", "ch02_lazy_memory"),
    (3, "shared-memory.md", "ch03_two_lifetimes"),
    (4, "what-can-be-shared.md", "ch04_padding"),
    (5, "deriving.md", "ch05_derive_a_record"),
    (6, "fixed-strings.md", "ch06_city_names"),
    (7, "inside-shared-array.md", "ch07_wrong_type"),
    (8, "experiment.md", "ch08_parallel_fill"),
    (9, "python.md", "ch09_python_counts"),
    (10, "limits.md", "ch10_validate"),
];

fn exercises_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples/exercises");
    assert!(
        path.exists(),
        "{} does not exist: build the examples first (`cargo test` does)",
        path.display()
    );
    // `cargo test --test exercises` alone does not rebuild the examples: refuse a stale one.
    let built = fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("its mtime");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/exercises");
    for source in fs::read_dir(&sources).expect("examples/exercises exists") {
        let source = source.expect("a directory entry").path();
        let changed = fs::metadata(&source)
            .and_then(|m| m.modified())
            .expect("an mtime");
        assert!(
            changed <= built,
            "{} is newer than {}: run `cargo build --example exercises` (or all of `cargo test`)",
            source.display(),
            path.display()
        );
    }
    path
}

/// Runs the solution to `chapter`'s exercise; returns its pid and standard output.
fn solve(chapter: u32, args: &[&str]) -> (u32, String) {
    let child = Command::new(exercises_binary())
        .arg(chapter.to_string())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running the exercises example");
    let pid = child.id();
    let out = child.wait_with_output().expect("waiting for it");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        out.status.success(),
        "the solution to chapter {chapter} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (pid, stdout)
}

fn chapter_text(page: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("book/src")
            .join(page),
    )
    .unwrap_or_else(|e| panic!("reading book/src/{page}: {e}"))
}

/// Fails unless book/src/`page` shows each of `lines`, whole.
fn assert_book_shows(page: &str, lines: &[&str]) {
    let text = chapter_text(page);
    let missing: Vec<&&str> = lines
        .iter()
        .filter(|line| !text.lines().any(|l| l == **line))
        .collect();
    assert!(
        missing.is_empty(),
        "book/src/{page} does not show these lines its solution prints: {missing:#?}"
    );
}

/// The number after `label` in `line`.
fn number_after(line: &str, label: &str) -> f64 {
    let at = line
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} in {line:?}"))
        + label.len();
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {label:?} in {line:?}"))
}

#[test]
fn every_chapter_includes_its_exercise_and_folded_solution() {
    let mut problems = Vec::new();
    for (chapter, page, module) in EXERCISES {
        let text = chapter_text(page);
        let include = format!("{{{{#include ../../examples/exercises/{module}.rs:solution}}}}");
        let Some(at) = text.find(&include) else {
            problems.push(format!(
                "chapter {chapter} ({page}) does not include {module}.rs"
            ));
            continue;
        };
        let exercise = text.find("## Exercise").unwrap_or(usize::MAX);
        let details = text[..at].rfind("<summary>Solution</summary>");
        if exercise > at || details.is_none_or(|d| d < exercise) {
            problems.push(format!(
                "chapter {chapter} ({page}): the solution is not folded in a <details> under \
                 an \"## Exercise\" heading"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn ch01_copying_outgrows_the_blogs_laptop_at_33_workers() {
    let (_, out) = solve(1, &[]);
    assert_eq!(
        out,
        "workers 1: copying   480 MB, shared memory 240 MB\n\
         workers 2: copying   720 MB, shared memory 240 MB\n\
         workers 4: copying  1200 MB, shared memory 240 MB\n\
         workers 8: copying  2160 MB, shared memory 240 MB\n\
         copying needs more than 8000 MB from 33 workers on\n"
    );
    assert_book_shows("question.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch02_memory_becomes_private_when_it_is_written() {
    let (_, out) = solve(2, &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let allocated = number_after(lines[0], "private memory +");
    let written = number_after(lines[1], "private memory +");
    assert!(allocated <= 2.0, "allocating alone took memory: {out}");
    assert!((60.0..=70.0).contains(&written), "{out}");
    assert_eq!(lines[2], "(the buffer holds 16384 ones)");
    // The book shows one run; the figures may differ by a MiB from run to run.
    let book = chapter_text("measuring.md");
    for (line, figure) in [(lines[0], allocated), (lines[1], written)] {
        let label = &line[..line.find('+').expect("a + in the line") + 1];
        let shown = book
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("book/src/measuring.md shows no {label:?} line"));
        assert!(
            (number_after(shown, "+") - figure).abs() <= 1.0,
            "the book shows {shown:?}, the solution printed {line:?}"
        );
    }
    assert_book_shows("measuring.md", &lines[2..]);
}

#[test]
fn ch03_the_mapping_outlives_the_name() {
    let (pid, out) = solve(3, &[]);
    assert!(
        !Path::new(&format!("/dev/shm/book_ex03_{pid}")).exists(),
        "the segment was left behind"
    );
    assert_eq!(
        out,
        "after shm_unlink: the name is gone\n\
         the mapping still works: \"still here\"\n\
         opening the name again: No such file or directory (os error 2)\n"
    );
    assert_book_shows("shared-memory.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch04_reordering_removes_the_padding() {
    let (_, out) = solve(4, &[]);
    assert_eq!(
        out,
        "Loose: a @0, b @8, c @16, size 24: 13 bytes of padding\n\
         Tight: b @0, c @8, a @10, _pad @11, size 16: 5 bytes of padding, in _pad\n"
    );
    assert_book_shows("what-can-be-shared.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch05_the_fixed_record_derives() {
    let (_, out) = solve(5, &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Reading {at: <u8 @0, value: <f4 @8, sensor: S3 @12, ok: u1 @15} (16 bytes, align 8)"
    );
    let hex = lines[1]
        .strip_prefix("fingerprint ")
        .expect("a fingerprint");
    assert!(
        hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "{out}"
    );
    assert_book_shows("deriving.md", &lines);
}

#[test]
fn ch06_truncating_keeps_whole_characters() {
    let (_, out) = solve(6, &[]);
    assert_eq!(
        out,
        "\"Oslo\": fits (4 bytes)\n\
         \"Zürich\": fits (7 bytes)\n\
         \"Reykjavík\": 10 bytes, too long; truncating keeps \"Reykjav\" (7 bytes)\n\
         \"Montréal\": 9 bytes, too long; truncating keeps \"Montréa\" (8 bytes)\n\
         \"東京都\": 9 bytes, too long; truncating keeps \"東京\" (6 bytes)\n"
    );
    assert_book_shows("fixed-strings.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch07_the_wrong_type_is_a_layout_mismatch() {
    let (_, out) = solve(7, &[]);
    assert_eq!(
        out,
        "opened as Swapped: Error::LayoutMismatch\n\
         opened as Point: 3 records, the last Point { x: 2.0, y: -2.0 }\n\
         opened a name no one created: Error::NotFound\n"
    );
    assert_book_shows("inside-shared-array.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch08_both_fills_write_the_same_records() {
    let (_, out) = solve(8, &[]);
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "from_fn and from_fn_parallel wrote the same 1000000 records: true"
    );
    assert_book_shows("experiment.md", &[first]);
}

#[test]
fn ch09_python_counts_what_rust_wrote() {
    let python = python_env::python();
    let exe = python.exe.to_string_lossy().into_owned();
    let (_, out) = solve(9, &["--python", &exe]);
    let expected = "750 ok, 334 from sensor abc, total of the ok ones 187500";
    assert_eq!(
        out,
        format!("Rust:   {expected}\nPython: {expected}\n"),
        "Rust and Python disagree ({})",
        python.describe
    );
    assert_book_shows("python.md", &out.lines().collect::<Vec<_>>());
}

#[test]
fn ch10_bad_records_are_refused_after_copying_them_out() {
    let (_, out) = solve(10, &[]);
    assert_eq!(
        out,
        "ok:      CheckedOrder { id: 0, quantity: 1, side: Buy }\n\
         ok:      CheckedOrder { id: 1, quantity: 11, side: Sell }\n\
         refused: order 2: side 2 is neither buy nor sell\n\
         refused: order 3: quantity 0\n\
         ok:      CheckedOrder { id: 4, quantity: 41, side: Buy }\n"
    );
    assert_book_shows("limits.md", &out.lines().collect::<Vec<_>>());
}
