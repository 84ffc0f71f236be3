//! Runs each small example the book includes and checks the output the book tells the reader
//! they will see, so that the book's "you should see" lines cannot silently rot.
//!
//! `cargo test` builds the examples before running tests; they sit next to this test's binary:
//! `target/<profile>/deps/book_examples-HASH` → `target/<profile>/examples/NAME`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of a built example.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent() // deps
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} does not exist: build the examples first (`cargo test` does)",
        path.display()
    );
    path
}

/// Runs an example, checks it succeeded, and returns its standard output.
fn run(name: &str) -> String {
    run_with(name, &[])
}

/// Runs an example with arguments, checks it succeeded, and returns its standard output.
fn run_with(name: &str, args: &[&str]) -> String {
    let out = Command::new(example(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running example {name}: {e}"));
    let stdout = String::from_utf8(out.stdout).expect("examples print UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "example {name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// The one line of `output` that starts with `prefix` (after leading spaces).
fn line<'a>(output: &'a str, prefix: &str) -> &'a str {
    let found: Vec<&str> = output
        .lines()
        .filter(|l| l.trim_start().starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one line starting with {prefix:?} in:\n{output}"
    );
    found[0]
}

/// The number after `label` in `text`, such as 256 in "took 256 page faults" for "took".
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} in {text:?}"))
        + label.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {label:?} in {text:?}"))
}

/// Every `shmsafe_` + 16 hex digits name in `output`.
fn segment_names(output: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = output;
    while let Some(i) = rest.find("shmsafe_") {
        let candidate = &rest[i..];
        let hex: String = candidate["shmsafe_".len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.len() == 16 {
            names.push(format!("shmsafe_{hex}"));
        }
        rest = &candidate["shmsafe_".len()..];
    }
    names.sort();
    names.dedup();
    names
}

/// Checks that no segment named in `output` is left in /dev/shm.
fn assert_cleaned_up(output: &str) {
    for name in segment_names(output) {
        let path = format!("/dev/shm/{name}");
        let left = Path::new(&path).exists();
        if left {
            let _ = shmsafe::remove(&name);
        }
        assert!(!left, "{path} was left behind");
    }
}

#[test]
fn shm_from_scratch() {
    let out = run("shm_from_scratch");
    let created = line(&out, "created /book_scratch_");
    assert!(
        created.ends_with("size 0 bytes, mode 600, memory used 0 bytes"),
        "{created}"
    );
    assert!(
        line(&out, "after ftruncate:")
            .ends_with("size 1048576 bytes, mode 600, memory used 0 bytes"),
        "{out}"
    );
    // Writing touches every page once. With huge pages for shared memory turned on
    // (/sys/kernel/mm/transparent_hugepage/shmem_enabled) there would be fewer faults.
    let written = line(&out, "writing to 256 pages took");
    let faults = number_after(written, "took");
    assert!((1.0..=300.0).contains(&faults), "{written}");
    assert!(
        line(&out, "after writing:").ends_with("memory used 1048576 bytes"),
        "{out}"
    );
    assert!(
        line(&out, "reader (pid").ends_with("read \"hello from the creator\" and 255 page marks"),
        "{out}"
    );
    let read = line(&out, "reading 256 pages took");
    assert!(
        number_after(read, "took") <= faults,
        "reading faults at most as often as writing: {out}"
    );
    let populate = line(&out, "with MAP_POPULATE:");
    assert!(
        populate.contains(", 0 while reading 255 marks"),
        "{populate}"
    );
    assert!(
        line(&out, "after shm_unlink:").ends_with("exists: false"),
        "{out}"
    );
}

#[test]
fn measure_memory() {
    let out = run("measure_memory");
    assert_cleaned_up(&out);
    let data_mib = 2_000_000.0 * 24.0 / (1 << 20) as f64;

    let shared = line(&out, "shared memory:");
    assert_eq!(number_after(shared, "sum"), 1_000_000.0, "{shared}");
    assert!(
        number_after(shared, "RSS") >= data_mib,
        "RSS counts every shared page: {shared}"
    );
    let pss = number_after(shared, "PSS");
    assert!(
        (0.45 * data_mib..0.55 * data_mib + 5.0).contains(&pss),
        "PSS charges half of the shared pages to this worker: {shared}"
    );
    assert!(number_after(shared, "private") < 5.0, "{shared}");

    let copy = line(&out, "own copy:");
    assert_eq!(number_after(copy, "sum"), 1_000_000.0, "{copy}");
    assert!(number_after(copy, "private") >= data_mib, "{copy}");

    let idle = line(&out, "idle:");
    assert!(number_after(idle, "RSS") < 10.0, "{idle}");
    assert!(
        number_after(idle, "getrusage max RSS") >= data_mib,
        "the idle child's max RSS is its parent's high-water mark: {idle}"
    );
}

#[test]
fn addresses() {
    let out = run("addresses");
    assert!(
        line(&out, "parent (pid")
            .ends_with("a String is 24 bytes: a pointer, a capacity (6) and a length (6)"),
        "{out}"
    );
    let parent = line(
        &out,
        "parent: the pointer says the text \"string\" is at 0x",
    );
    let address = parent
        .split_whitespace()
        .find(|w| w.starts_with("0x"))
        .expect("an address")
        .trim_end_matches(',');
    let child = line(&out, "child  (pid");
    assert!(
        child.contains(address),
        "the child looks at the parent's address: {out}"
    );
    assert!(
        child.ends_with(
            "is not mapped in this process: following the pointer would be a segmentation fault"
        ) || child.ends_with("it holds this process's own bytes, not the parent's text"),
        "{child}"
    );
}

#[test]
fn derive_tour() {
    let out = run("derive_tour");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Row {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} (24 bytes, align 8)"
    );
    assert_eq!(lines[1], "Nanos {0: <i8 @0} (8 bytes, align 8)");
    assert_eq!(
        lines[2],
        "Trade {at: Nanos {0: <i8 @0} (8 bytes, align 8) @0, price: <f8 @8, quantity: <u4 @16, \
         venue: S4 @20, fees: (2,)<f8 @24} (40 bytes, align 8)"
    );
    assert_eq!(
        lines[3],
        "Progress {done: atomic <u8 @0, failed: atomic <u4 @8, worker: <u4 @12} (16 bytes, align 8)"
    );
    let fingerprint = |prefix: &str| line(&out, prefix).rsplit(' ').next().unwrap().to_owned();
    let row = fingerprint("fingerprint of Row:");
    assert_eq!(row.len(), 16, "{out}");
    assert_eq!(row, fingerprint("fingerprint of elsewhere::Record:"));
    assert_ne!(row, fingerprint("fingerprint of Swapped:"));
    assert_eq!(
        line(&out, "numpy dtype of Row:"),
        r#"numpy dtype of Row: {"names": ["date", "val", "name", "_pad"], "formats": ["<i8", "<f8", "S6", "(2,)u1"], "offsets": [0, 8, 16, 22], "itemsize": 24}"#
    );
}

#[test]
fn fixed_str() {
    let out = run("fixed_str");
    let expected = [
        r#""string" is stored as b"string""#,
        r#""abc" is stored as b"abc\x00\x00\x00""#,
        r#"numpy calls FixedStr<6> "S6""#,
        "error: text of 7 bytes does not fit in FixedStr<6>; shorten it or use \
         FixedStr::truncating to keep its first 6 bytes",
        r#"truncating("strings") = string (6 of 7 bytes)"#,
        r#"truncating("naïveté") = naïve (6 of 9 bytes)"#,
        r#"truncating("日本語") = 日本 (6 of 9 bytes)"#,
        r#"in 5 bytes, "日本語" keeps "日": b"\xe6\x97\xa5\x00\x00""#,
        r#"to_str:  Err("invalid utf-8 sequence of 1 bytes from index 1")"#,
        "Display: a\u{FFFD}b",
        r#"Debug:   "a\xffb""#,
        "len 3 (the text ends at the first NUL; the zz after it is not text)",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn open_by_name() {
    let out = run("open_by_name");
    assert_cleaned_up(&out);
    let names = segment_names(&out);
    assert_eq!(names.len(), 1, "{out}");
    let name = &names[0];
    assert!(
        line(&out, "creator (pid").ends_with(&format!("1000 records in {name}")),
        "{out}"
    );
    assert_eq!(
        line(&out, "creator: bytes"),
        "creator: bytes 0..320 hold the header and the layout, bytes 320..24320 the records"
    );
    assert!(
        line(&out, "reader  (pid").ends_with("1000 records, nansum of val = 500"),
        "{out}"
    );
    assert_eq!(
        line(&out, "reader: first"),
        r#"reader: first Row { date: 1591574400000000000, val: 1.0, name: "string", _pad: [0, 0] }"#
    );
    assert_eq!(
        line(&out, "reader: last"),
        r#"reader: last  Row { date: 1591574400000000999, val: NaN, name: "abc", _pad: [0, 0] }"#
    );
    assert_eq!(
        line(&out, "reader: mapped"),
        format!("reader: mapped /dev/shm/{name} as r--s")
    );
    assert_eq!(
        line(&out, "creator: after drop"),
        format!("creator: after drop, /dev/shm/{name} exists: false")
    );
}

#[test]
fn open_errors() {
    let out = run("open_errors");
    assert_cleaned_up(&out);
    let variants: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Error::"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        variants,
        [
            "InvalidName",
            "NotFound",
            "TooSmall",
            "NotShmsafe",
            "UnsupportedVersion",
            "LayoutMismatch",
            "Truncated",
            "NotReady",
        ]
    );
    assert!(
        out.contains("is 8 bytes, smaller than the 64-byte shmsafe header"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "has shmsafe format version {}, this build reads version {}",
            shmsafe::format::VERSION + 1,
            shmsafe::format::VERSION
        )),
        "{out}"
    );
    assert!(out.contains("announces 100 records of 24 bytes"), "{out}");
    assert!(!out.contains("opened?!"), "{out}");
    // The forged segments are gone too.
    let pid_suffixes: Vec<&str> = out
        .split_whitespace()
        .filter_map(|w| {
            w.trim_matches(|c| c == '`' || c == ':')
                .strip_prefix("book_forged_")
        })
        .collect();
    assert!(!pid_suffixes.is_empty(), "{out}");
    for suffix in pid_suffixes {
        let path = format!("/dev/shm/book_forged_{suffix}");
        assert!(!Path::new(&path).exists(), "{path} was left behind");
    }
}

#[test]
fn left_behind() {
    let out = run("left_behind");
    assert_cleaned_up(&out);
    let killed = line(&out, "creator ");
    assert!(
        killed.contains("was killed; /dev/shm/shmsafe_") && killed.ends_with("exists: true"),
        "{out}"
    );
    assert_eq!(
        line(&out, "opened it anyway:"),
        "opened it anyway: 1000 records, sum 499500"
    );
    assert!(
        line(&out, "after shmsafe::remove:").ends_with("exists: false"),
        "{out}"
    );
    assert!(
        line(&out, "removing it again:").contains("no shared memory segment is named"),
        "{out}"
    );
    let unpublished = line(&out, "opening the unpublished one:");
    assert!(
        unpublished.contains("was never published: its creator")
            && unpublished.contains("no longer holds it"),
        "{unpublished}"
    );
    assert!(
        unpublished.contains("shmsafe::remove(\"shmsafe_"),
        "{unpublished}"
    );
}

#[test]
fn shared_counter() {
    let out = run("shared_counter");
    assert_cleaned_up(&out);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "3 processes added 100000 hits each: hits = 300000, bytes = 3000000",
            "expected hits = 300000, bytes = 3000000",
        ]
    );
}

#[test]
fn threads_sum() {
    let out = run("threads_sum");
    assert_eq!(out, "2 threads summed 1000000 records: nansum = 500000\n");
}

#[test]
fn derive_fixes() {
    let out = run("derive_fixes");
    assert_eq!(
        out.lines().last(),
        Some("39 fixes compile and run"),
        "{out}"
    );
    assert_eq!(
        line(&out, "string_field:"),
        "string_field: Row {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} (24 bytes, align 8)"
    );
}

#[test]
fn the_books_pictures_are_drawn_by_the_code() {
    // `pictures --check` draws every picture again and compares it with book/src/images/.
    let out = run_with("pictures", &["--check"]);
    assert_eq!(out.trim_end(), "the pictures match the code");
    // Each is drawn at the width of the book's text column, its text 13 px or more there.
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/images");
    for name in [
        "address-spaces.svg",
        "row-bytes.svg",
        "header-bytes.svg",
        "experiment.svg",
    ] {
        let svg = std::fs::read_to_string(images.join(name)).expect("the picture exists");
        assert!(svg.contains(r#"width="750""#), "{name} is 750 px wide");
        for size in svg.split(r#"font-size=""#).skip(1) {
            let size: f64 = size.split('"').next().unwrap().parse().unwrap();
            assert!(size >= 13.0, "{name} has text of {size} px");
        }
    }
}

/// The first ```text block after `command` in a chapter: what the book says you will see.
fn book_says(chapter: &str, command: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/src")
        .join(chapter);
    let text = std::fs::read_to_string(&path).expect("the chapter exists");
    let at = text
        .find(command)
        .unwrap_or_else(|| panic!("{chapter} shows `{command}`"));
    let start = text[at..]
        .find("```text\n")
        .map(|i| at + i + "```text\n".len())
        .unwrap_or_else(|| panic!("{chapter} shows output after `{command}`"));
    let end = start + text[start..].find("\n```").expect("the block ends");
    text[start..end].to_owned()
}

/// Replaces what differs from run to run: pids and segment names.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("shmsafe_") {
            let hex = tail.chars().take_while(char::is_ascii_hexdigit).count();
            if hex == 16 {
                out.push_str("shmsafe_NAME");
                rest = &tail[hex..];
                continue;
            }
        }
        let mut matched = false;
        for prefix in ["pid ", "creator "] {
            if let Some(tail) = rest.strip_prefix(prefix) {
                let digits = tail.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 {
                    out.push_str(prefix);
                    out.push('N');
                    rest = &tail[digits..];
                    matched = true;
                    break;
                }
            }
        }
        if !matched {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[test]
fn the_book_shows_what_the_examples_print() {
    for (chapter, example) in [
        ("deriving.md", "derive_tour"),
        ("fixed-strings.md", "fixed_str"),
        ("inside-shared-array.md", "open_by_name"),
        ("inside-shared-array.md", "left_behind"),
        ("limits.md", "shared_counter"),
        ("sealed.md", "sealed_arrays"),
    ] {
        let out = run(example);
        assert_cleaned_up(&out);
        let shown = book_says(chapter, &format!("cargo run --example {example}\n"));
        assert_eq!(
            normalize(&shown),
            normalize(out.trim_end()),
            "book/src/{chapter} shows other output for `cargo run --example {example}` than it prints"
        );
    }
}
