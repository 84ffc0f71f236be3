//! The book's Python, run: the seed's crash reproduced (`examples/python/seed_crash.py`), the
//! Python twins of chapters 2 and 3, and the claims the book makes about them and about the
//! Python cross-check. Each test compares what the script printed with what the book says the
//! reader will see, so the two cannot drift apart.
//!
//! The scripts run in the virtual environment of `tests/support/python.rs` (made on first use,
//! with numpy from PyPI).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/python.rs"]
mod python_env;

use python_env::{python, target_dir};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chapter(name: &str) -> String {
    let path = manifest_dir().join("book/src").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Removes, when dropped (also on a panic), every segment in /dev/shm whose name starts with
/// one of these prefixes: names a script of ours made with its pid in them, or printed.
struct RemoveSegments(Vec<String>);

impl RemoveSegments {
    fn left(&self) -> Vec<String> {
        let mut left: Vec<String> = fs::read_dir("/dev/shm")
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| self.0.iter().any(|prefix| name.starts_with(prefix)))
                    .collect()
            })
            .unwrap_or_default();
        left.sort();
        left
    }
}

/// Every `psm_` name (Python's random segment names) in `text`.
fn python_names(text: &str) -> Vec<String> {
    text.match_indices("psm_")
        .map(|(i, _)| {
            let hex: String = text[i + 4..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            format!("psm_{hex}")
        })
        .filter(|name| name.len() > 4)
        .collect()
}

impl Drop for RemoveSegments {
    fn drop(&mut self) {
        for name in self.left() {
            let _ = fs::remove_file(Path::new("/dev/shm").join(name));
        }
    }
}

/// Runs `examples/python/<script>` with the venv's Python. `cleanup(pid)` is the prefix of the
/// segments the script names after its pid; with the `psm_` names it prints, they are removed
/// even if it dies, and must be gone when it ends.
fn run_script(script: &str, args: &[&str], cleanup: impl Fn(u32) -> String) -> (String, String) {
    let python = python();
    let path: PathBuf = manifest_dir().join("examples/python").join(script);
    let child = Command::new(&python.exe)
        .arg(&path)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(target_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {script} with {}: {e}", python.describe));
    let pid = child.id();
    let out: Output = child.wait_with_output().expect("waiting for Python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut names = python_names(&stdout);
    names.push(cleanup(pid));
    let guard = RemoveSegments(names);
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let left = guard.left();
    assert!(
        left.is_empty(),
        "{script} left segments in /dev/shm: {left:?}"
    );
    (stdout, stderr)
}

/// The lines of `stdout` that follow `header` up to the next line that does not start with a
/// space: one case of seed_crash.py's report.
fn case<'a>(stdout: &'a str, header: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|l| *l != header);
    assert_eq!(lines.next(), Some(header), "{header:?} in:\n{stdout}");
    lines
        .take_while(|l| l.starts_with(' '))
        .map(str::trim)
        .collect()
}

/// Fails unless `chapter` shows every one of `lines` (whole lines, spaces included).
fn assert_book_shows(chapter_name: &str, lines: &[&str]) {
    let text = chapter(chapter_name);
    let missing: Vec<&&str> = lines
        .iter()
        .filter(|line| !text.lines().any(|l| l == **line))
        .collect();
    assert!(
        missing.is_empty(),
        "book/src/{chapter_name} does not show these lines of the real output: {missing:#?}"
    );
}

#[test]
fn the_seeds_object_array_crashes_a_spawned_worker_and_not_a_forked_one() {
    let (stdout, stderr) = run_script("seed_crash.py", &[], |pid| format!("seed_crash_{pid}_"));
    assert!(stderr.trim().is_empty(), "Python warned:\n{stderr}");

    // The blog's crash: a fresh interpreter follows the parent's addresses.
    assert_eq!(
        case(&stdout, "dtype=object, start method spawn:"),
        ["worker killed by SIGSEGV (exitcode -11)"],
        "{stdout}"
    );
    // Under fork the child has a copy of the parent's heap at the same addresses.
    assert_eq!(
        case(&stdout, "dtype=object, start method fork:"),
        [
            "worker read ['string', 'abc']",
            "worker exited normally (exitcode 0)"
        ],
        "{stdout}"
    );
    // The bytes are the value: it works however the worker starts.
    for method in ["spawn", "fork"] {
        assert_eq!(
            case(&stdout, &format!("dtype=S6, start method {method}:")),
            [
                "worker read [b'string', b'abc']",
                "worker exited normally (exitcode 0)"
            ],
            "{stdout}"
        );
    }

    // The book shows this very output (all but the first line, which names this Python's
    // default start method) and the claims around it.
    let shown: Vec<&str> = stdout.lines().skip(1).collect();
    assert_book_shows("what-can-be-shared.md", &shown);
    let chapter4 = chapter("what-can-be-shared.md");
    assert!(chapter4.contains("{{#include ../../examples/python/seed_crash.py:worker}}"));
    assert!(chapter4.contains("{{#include ../../examples/python/seed_crash.py:share}}"));
}

#[test]
fn one_start_method_at_a_time() {
    let (stdout, _) = run_script("seed_crash.py", &["spawn"], |pid| {
        format!("seed_crash_{pid}_")
    });
    assert!(!stdout.contains("start method fork"), "{stdout}");
    assert_eq!(
        case(&stdout, "dtype=object, start method spawn:"),
        ["worker killed by SIGSEGV (exitcode -11)"]
    );
}

/// `psm_` and hex digits, Python's random segment names, replaced by `psm_NAME`.
fn without_names(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("psm_") {
        out.push_str(&rest[..i]);
        out.push_str("psm_NAME");
        rest = rest[i + 4..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[test]
fn the_python_twin_of_shm_from_scratch_makes_and_removes_a_segment() {
    // SharedMemory picks a random `psm_` name: the script prints it, and removes it.
    let (stdout, stderr) = run_script("shm_twin.py", &[], |pid| format!("shm_twin_{pid}_"));
    assert!(stderr.trim().is_empty(), "Python warned:\n{stderr}");
    let first = stdout.lines().next().unwrap_or_default();
    let name = first
        .strip_prefix("created ")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("the name in {first:?}"));
    assert!(
        !Path::new("/dev/shm").join(name).exists(),
        "/dev/shm/{name} is left"
    );
    let expected = format!(
        "created {name}: size 1048576 bytes, mode 600, memory used 0 bytes\n\
         ls /dev/shm lists it: True\n\
         after writing:     size 1048576 bytes, mode 600, memory used 1048576 bytes\n\
         reader read 'hello from the creator' and 255 page marks\n\
         after unlink:      /dev/shm/{name} exists: False\n"
    );
    assert_eq!(stdout, expected);

    let book = without_names(&chapter("shared-memory.md"));
    let missing: Vec<String> = without_names(&stdout)
        .lines()
        .filter(|line| !book.lines().any(|l| l == *line))
        .map(str::to_owned)
        .collect();
    assert!(
        missing.is_empty(),
        "book/src/shared-memory.md does not show: {missing:#?}"
    );
}

#[test]
fn tracemalloc_sees_neither_shared_memory_nor_the_worker() {
    let (stdout, stderr) = run_script("tracemalloc_twin.py", &[], |pid| {
        format!("tracemalloc_twin_{pid}_")
    });
    assert!(stderr.trim().is_empty(), "Python warned:\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    // tracemalloc counts the parent's own numpy array, and nothing else.
    let traced = "tracemalloc: 48 MB now, peak 48 MB";
    for i in [0, 1, 3] {
        assert!(lines[i].ends_with(traced), "{stdout}");
    }
    // The worker's copy is real: the kernel counts it as the worker's private memory.
    let grew: f64 = lines[2]
        .rsplit('+')
        .next()
        .and_then(|rest| rest.trim_end_matches(" MB").parse().ok())
        .unwrap_or_else(|| panic!("a number in {:?}", lines[2]));
    assert!((44.0..=56.0).contains(&grew), "{stdout}");
    assert_book_shows("measuring.md", &[lines[0], lines[1], lines[3]]);
    assert_book_shows(
        "measuring.md",
        &["worker: its own 48 MB array      smaps_rollup: private +48 MB"],
    );
}

/// The Python chapter lists the cross-check's tests and quotes its summary: both must match
/// the tests `tests/python_interop.rs` really has.
#[test]
fn the_python_chapter_lists_every_interop_test() {
    let source = fs::read_to_string(manifest_dir().join("tests/python_interop.rs"))
        .expect("tests/python_interop.rs");
    let mut tests = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[test]" {
            let next = lines.next().unwrap_or_default().trim();
            let name = next
                .strip_prefix("fn ")
                .and_then(|rest| rest.split('(').next())
                .unwrap_or_else(|| panic!("a test function after #[test], found {next:?}"));
            tests.push(name.to_owned());
        }
    }
    assert!(tests.len() >= 6, "found {tests:?}");
    let book = chapter("python.md");
    let count = tests.len();
    let mut problems = Vec::new();
    for name in &tests {
        if !book.contains(&format!("| `{name}` |")) {
            problems.push(format!("no table row for `{name}`"));
        }
        if !book.contains(&format!("test {name} ... ok")) {
            problems.push(format!("no `test {name} ... ok` in the output shown"));
        }
    }
    for claim in [
        format!("running {count} tests"),
        format!("test result: ok. {count} passed"),
    ] {
        if !book.contains(&claim) {
            problems.push(format!("no `{claim}`"));
        }
    }
    assert!(
        problems.is_empty(),
        "book/src/python.md disagrees with tests/python_interop.rs ({count} tests):\n{}",
        problems.join("\n")
    );
}
