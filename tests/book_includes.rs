//! The book shows code and compiler output by including files (`{{#include path:anchor}}`).
//! mdBook only logs a missing file and silently includes nothing for a missing anchor, so this
//! test fails instead: every include in `book/src/*.md` must name an existing file and, where it
//! names an anchor, a file that has both `ANCHOR: name` and `ANCHOR_END: name`. Local images
//! and the chapters listed in `SUMMARY.md` must exist too.

use std::fs;
use std::path::{Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book")
        .join("src")
}

fn chapters() -> Vec<PathBuf> {
    let mut chapters: Vec<PathBuf> = fs::read_dir(book_src())
        .expect("book/src exists")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    chapters.sort();
    assert!(chapters.len() > 5, "the book has chapters: {chapters:?}");
    chapters
}

/// The `{{#include ...}}` directives of a chapter: (target, line number).
fn includes(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#include ") {
            let after = &rest[start + "{{#include ".len()..];
            let end = after
                .find("}}")
                .unwrap_or_else(|| panic!("line {}: unterminated include: {line}", number + 1));
            found.push((after[..end].trim().to_owned(), number + 1));
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn every_include_resolves() {
    let mut problems = Vec::new();
    let mut count = 0;
    for chapter in chapters() {
        let text = fs::read_to_string(&chapter).expect("a chapter is UTF-8 text");
        let dir = chapter.parent().expect("chapters are in book/src");
        for (target, line) in includes(&text) {
            count += 1;
            let at = format!("{}:{line}", chapter.display());
            // `path`, `path:anchor`, `path:N`, `path:N:M`.
            let (path, anchor) = match target.split_once(':') {
                Some((path, rest)) => (path, Some(rest)),
                None => (target.as_str(), None),
            };
            let file = dir.join(path);
            let Ok(contents) = fs::read_to_string(&file) else {
                problems.push(format!("{at}: {} does not exist", file.display()));
                continue;
            };
            if let Some(anchor) = anchor {
                let is_line_range = anchor
                    .split(':')
                    .all(|part| part.is_empty() || part.chars().all(|c| c.is_ascii_digit()));
                if !is_line_range {
                    for marker in [format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}")] {
                        if !contents.lines().any(|l| l.trim_end().ends_with(&marker)) {
                            problems.push(format!("{at}: {} has no `{marker}`", file.display()));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
    assert!(
        count > 10,
        "the book includes its code ({count} includes found)"
    );
}

#[test]
fn every_local_image_and_chapter_exists() {
    let mut problems = Vec::new();
    for chapter in chapters() {
        let text = fs::read_to_string(&chapter).expect("a chapter is UTF-8 text");
        // Markdown links and images: `](target)`.
        for (number, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(start) = rest.find("](") {
                let after = &rest[start + 2..];
                let Some(end) = after.find(')') else { break };
                let target = after[..end].split('#').next().unwrap_or("");
                rest = &after[end..];
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let path = chapter.parent().unwrap().join(target);
                if !path.exists() {
                    problems.push(format!(
                        "{}:{}: {} does not exist",
                        chapter.display(),
                        number + 1,
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_gallery_shows_every_compile_fail_test() {
    let book: String = chapters()
        .iter()
        .map(|chapter| fs::read_to_string(chapter).expect("a chapter is UTF-8 text"))
        .collect();
    let fail = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/fail");
    let mut missing = Vec::new();
    for entry in fs::read_dir(&fail).expect("tests/ui/fail exists") {
        let path = entry.expect("a readable directory entry").path();
        if path.extension().is_some_and(|ext| ext == "stderr") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !book.contains(&format!("{{{{#include ../../tests/ui/fail/{name}}}}}")) {
                missing.push(name);
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "the book's gallery of compile errors (book/src/gallery-*.md) does not show: {missing:?}"
    );
}

/// The book quotes the run that drew its chart. If the chart and its JSON are made again, the
/// figures in the text must follow: this test says which.
#[test]
fn the_books_figures_match_the_charts_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let json = fs::read_to_string(root.join("book/src/images/experiment.json"))
        .expect("book/src/images/experiment.json, made by the experiment with --json");
    let run: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let method = |name: &str| {
        run["methods"]
            .as_array()
            .expect("a list of methods")
            .iter()
            .find(|m| m["method"] == name)
            .unwrap_or_else(|| panic!("method {name} in experiment.json"))
            .clone()
    };
    let ms = |m: &serde_json::Value, key: &str, digits: usize| {
        format!("{:.digits$} ms", m[key].as_f64().expect("seconds") * 1000.0)
    };
    let mib = |m: &serde_json::Value, key: &str, digits: usize| match m[key].as_f64() {
        Some(bytes) => format!("{:.digits$} MiB", bytes / (1 << 20) as f64),
        None => "-".to_owned(),
    };

    let mut expected: Vec<(&str, String)> = Vec::new();
    for name in ["shm", "copy", "threads"] {
        let m = method(name);
        expected.push((
            "experiment.md",
            format!(
                "| {name} | {} | {} | {} | {} | {} | {} |",
                ms(&m, "setup_s", 1),
                ms(&m, "workers_s", 1),
                ms(&m, "total_s", 1),
                mib(&m, "worker_private_bytes_max", 1),
                mib(&m, "worker_pss_bytes_max", 1),
                m["nansum"].as_f64().expect("a sum"),
            ),
        ));
    }
    let (shm, copy, threads) = (method("shm"), method("copy"), method("threads"));
    expected.extend([
        (
            "question.md",
            format!("Shared memory took {} in all", ms(&shm, "total_s", 0)),
        ),
        (
            "question.md",
            format!("{} to create the segment", ms(&shm, "setup_s", 0)),
        ),
        (
            "question.md",
            format!("{} for two worker processes", ms(&shm, "workers_s", 0)),
        ),
        (
            "question.md",
            format!("Copying took {}", ms(&copy, "total_s", 0)),
        ),
        (
            "question.md",
            format!("took {}: the floor", ms(&threads, "total_s", 0)),
        ),
        (
            "question.md",
            format!(
                "had {} of memory of its own",
                mib(&shm, "worker_private_bytes_max", 1)
            ),
        ),
        (
            "question.md",
            format!(
                "had {} of its own",
                mib(&copy, "worker_private_bytes_max", 0)
            ),
        ),
        (
            "experiment.md",
            format!("spent {} receiving", ms(&copy, "attach_s_max", 0)),
        ),
        (
            "experiment.md",
            format!("scan took up to {}", ms(&shm, "scan_s_max", 0)),
        ),
        (
            "experiment.md",
            format!("a `copy` worker's {}", ms(&copy, "scan_s_max", 0)),
        ),
    ]);
    let mut stale = Vec::new();
    for (chapter, text) in &expected {
        let contents = fs::read_to_string(book_src().join(chapter)).expect("the chapter exists");
        if !contents.contains(text.as_str()) {
            stale.push(format!("{chapter}: expected `{text}`"));
        }
    }
    assert!(
        stale.is_empty(),
        "book/src/images/experiment.json has changed since the book quoted it; update:\n{}",
        stale.join("\n")
    );
}
