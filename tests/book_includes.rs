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

// ---------------------------------------------------------------------------------------------
// Figures quoted from the experiment's run.
//
// The book and the README quote the run that drew the chart, whose results are in
// book/src/images/experiment.json. Every figure they quote from it is checked here, so that a new
// run (or an edited sentence) cannot leave a stale number behind:
//
// - in prose, a quoted figure is followed by a marker, `242 ms<!--run:shm.total_s:ms0-->`, which
//   says how to compute it from the JSON (an expression, `copy.total_s/shm.total_s`, and a format:
//   `ms0`, `ms1`, `mib0`, `mib1`, `gib1`, `f0`, `f1`, `f2`); mdBook and GitHub do not show it;
// - a ```text block that starts with the run's headline is the table the run printed: every
//   method's line and every goal's line is compared with the JSON;
// - a Markdown table row `| shm | ... |` in experiment.md is compared with the JSON;
// - in the chapters that quote the run, a figure in ms, MiB or "times" outside code and tables
//   must carry a marker (or sit in a section quoting another run, listed below).

/// The run that drew the book's chart.
struct RunJson(serde_json::Value);

impl RunJson {
    fn load() -> RunJson {
        RunJson::load_file("experiment.json")
    }

    /// `book/src/images/NAME`.
    fn load_file(name: &str) -> RunJson {
        let path = book_src().join("images").join(name);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("book/src/images/{name}, made by the experiment with --json: {e}")
        });
        RunJson(serde_json::from_str(&text).expect("valid JSON"))
    }

    fn methods(&self) -> &Vec<serde_json::Value> {
        self.0["methods"].as_array().expect("a list of methods")
    }

    fn method(&self, name: &str) -> Option<&serde_json::Value> {
        self.methods().iter().find(|m| m["method"] == name)
    }

    /// `shm.total_s` (a method's field), `data_bytes` (a field of the run), `machine.cpus`, or a
    /// number.
    fn value(&self, key: &str) -> Result<f64, String> {
        if let Ok(number) = key.parse::<f64>() {
            return Ok(number);
        }
        let found = match key.split_once('.') {
            Some((method, field)) if self.method(method).is_some() => {
                &self.method(method).unwrap()[field]
            }
            Some((object, field)) => &self.0[object][field],
            None => &self.0[key],
        };
        found
            .as_f64()
            .ok_or_else(|| format!("experiment.json has no number at `{key}`"))
    }

    /// `a`, or `a OP b OP c ...` evaluated left to right, OP one of `+ - * /`.
    fn eval(&self, expr: &str) -> Result<f64, String> {
        let mut value = None;
        let mut op = '+';
        let mut rest = expr.trim();
        loop {
            let end = rest.find(['+', '-', '*', '/']).unwrap_or(rest.len());
            let operand = self.value(rest[..end].trim())?;
            let current = value.unwrap_or(0.0);
            value = Some(match op {
                '+' => current + operand,
                '-' => current - operand,
                '*' => current * operand,
                _ => current / operand,
            });
            if end == rest.len() {
                break;
            }
            op = rest[end..].chars().next().unwrap();
            rest = &rest[end + 1..];
        }
        value.ok_or_else(|| format!("an empty expression in `{expr}`"))
    }
}

/// A value as the book writes it: `ms1` is seconds as milliseconds with one decimal, and so on.
fn format_figure(value: f64, format: &str) -> Result<String, String> {
    let digits = |unit: &str| -> Result<usize, String> {
        format[unit.len()..]
            .parse()
            .map_err(|_| format!("the format `{format}` needs a number of decimals"))
    };
    const MIB: f64 = (1 << 20) as f64;
    Ok(if format.starts_with("ms") {
        format!("{:.*} ms", digits("ms")?, value * 1e3)
    } else if format.starts_with("mib") {
        format!("{:.*} MiB", digits("mib")?, value / MIB)
    } else if format.starts_with("gib") {
        format!("{:.*} GiB", digits("gib")?, value / MIB / 1024.0)
    } else if format.starts_with('f') {
        format!("{:.*}", digits("f")?, value)
    } else {
        return Err(format!("unknown format `{format}`"));
    })
}

/// The book's chapters and the README: (name, text).
fn quoting_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = chapters()
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                fs::read_to_string(&path).expect("a chapter is UTF-8 text"),
            )
        })
        .collect();
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    files.push((
        "README.md".to_owned(),
        fs::read_to_string(readme).expect("README.md exists"),
    ));
    files
}

const MARKER: &str = "<!--run";

/// Checks every `<!--run:EXPR:FORMAT-->` marker of `text` against `run`, and every
/// `<!--run@NAME:EXPR:FORMAT-->` against `book/src/images/experiment-NAME.json`; returns how many
/// there were.
fn check_markers(name: &str, text: &str, run: &RunJson, problems: &mut Vec<String>) -> usize {
    let mut count = 0;
    for (number, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", number + 1);
        let mut searched = 0;
        while let Some(found) = line[searched..].find(MARKER) {
            let start = searched + found;
            let Some(len) = line[start..].find("-->") else {
                problems.push(format!("{at}: an unterminated marker"));
                break;
            };
            searched = start + len + 3;
            count += 1;
            let spec = &line[start + MARKER.len()..start + len];
            let (other, spec) = match spec.strip_prefix(':') {
                Some(spec) => (None, spec),
                None => match spec.strip_prefix('@').and_then(|s| s.split_once(':')) {
                    Some((file, spec)) => (Some(file), spec),
                    None => {
                        problems.push(format!(
                            "{at}: `{spec}` is not :EXPR:FORMAT or @NAME:EXPR:FORMAT"
                        ));
                        continue;
                    }
                },
            };
            let other_run;
            let run = match other {
                None => run,
                Some(file) => {
                    let path = format!("experiment-{file}.json");
                    if !book_src().join("images").join(&path).exists() {
                        problems.push(format!("{at}: book/src/images/{path} does not exist"));
                        continue;
                    }
                    other_run = RunJson::load_file(&path);
                    &other_run
                }
            };
            let Some((expr, format)) = spec.rsplit_once(':') else {
                problems.push(format!("{at}: `{spec}` is not EXPR:FORMAT"));
                continue;
            };
            let expected = match run.eval(expr).and_then(|v| format_figure(v, format.trim())) {
                Ok(text) => text,
                Err(e) => {
                    problems.push(format!("{at}: {e}"));
                    continue;
                }
            };
            let before = line[..start].trim_end_matches(['*', '_', '`']);
            let preceded_by_digit = before
                .strip_suffix(expected.as_str())
                .and_then(|b| b.chars().last())
                .is_some_and(|c| c.is_ascii_digit() || c == '.');
            if !before.ends_with(expected.as_str()) || preceded_by_digit {
                let shown: String = before
                    .chars()
                    .rev()
                    .take(24)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                problems.push(format!(
                    "{at}: `...{shown}` should end in `{expected}` ({expr} from experiment.json)"
                ));
            }
        }
    }
    count
}

/// Checks a ```text block that the run printed (its first line is the run's headline).
fn check_printed_table(at: &str, block: &[&str], run: &RunJson, problems: &mut Vec<String>) {
    let r = &run.0;
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(format!("{at}: {what}"));
        }
    };
    let machine = format!(
        "Linux {}, {} CPU(s)",
        r["machine"]["kernel"].as_str().unwrap_or(""),
        r["machine"]["cpus"]
    );
    check(
        block.get(1).is_some_and(|l| l.starts_with(&machine)),
        format!("the second line should start with `{machine}`"),
    );
    let mib = |v: &serde_json::Value| match v.as_f64() {
        Some(bytes) => vec![format!("{:.1}", bytes / (1 << 20) as f64), "MiB".to_owned()],
        None => vec!["-".to_owned()],
    };
    for m in run.methods() {
        let name = m["method"].as_str().unwrap_or("?");
        let ms = |key: &str| {
            vec![
                format!("{:.1}", m[key].as_f64().unwrap_or(f64::NAN) * 1e3),
                "ms".to_owned(),
            ]
        };
        let mut expected = vec![name.to_owned()];
        expected.extend(ms("setup_s"));
        expected.extend(ms("workers_s"));
        expected.extend(ms("total_s"));
        expected.extend(mib(&m["worker_private_bytes_max"]));
        expected.extend(mib(&m["all_processes_pss_bytes"]));
        expected.push(format!("{}", m["nansum"].as_f64().unwrap_or(f64::NAN)));
        let line = block
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name));
        let found: Vec<String> = line
            .map(|l| l.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        check(
            found == expected,
            format!("the `{name}` line should read `{}`", expected.join(" ")),
        );
        if let Some(private) = m["process_private_bytes"].as_f64() {
            let text = format!("{:.1} MiB private", private / (1 << 20) as f64);
            check(
                block
                    .iter()
                    .any(|l| l.starts_with("(threads:") && l.contains(&text)),
                format!("the threads note should say `{text}`"),
            );
        }
    }
    for goal in r["goals"].as_array().into_iter().flatten() {
        let what = goal["what"].as_str().unwrap_or("?");
        let measured = goal["measured"].as_f64().unwrap_or(f64::NAN);
        let value = match goal["unit"].as_str() {
            Some("x") => format!("{measured:.2}x"),
            unit => format!("{measured:.1} {}", unit.unwrap_or("")),
        };
        let verdict = if goal["met"] == true { "met" } else { "MISSED" };
        let line = block
            .iter()
            .find(|l| l.split(" = ").next().map(str::trim) == Some(what));
        check(
            line.is_some_and(|l| {
                l.split(" = ").nth(1).is_some_and(|v| v.starts_with(&value))
                    && l.ends_with(&format!(": {verdict}"))
            }),
            format!("the goal `{what}` should read `{value} ...: {verdict}`"),
        );
    }
}

/// The run's first headline line, as the experiment prints it.
fn headline(run: &RunJson) -> String {
    let r = &run.0;
    let rows = r["rows"].as_u64().unwrap_or(0).to_string();
    let mut with_commas = String::new();
    for (i, d) in rows.chars().enumerate() {
        if i > 0 && (rows.len() - i) % 3 == 0 {
            with_commas.push(',');
        }
        with_commas.push(d);
    }
    format!(
        "{with_commas} rows ({:.1} MB), {} worker(s), median of {} rounds",
        r["data_bytes"].as_f64().unwrap_or(0.0) / 1e6,
        r["workers"],
        r["repeat"]
    )
}

/// The variations experiment.md shows under "More workers, more rows": the flags, as its table's
/// first column shows them, and the JSON each run wrote, `book/src/images/experiment-NAME.json`.
const VARIATIONS: [(&str, &str); 3] = [
    ("--workers 4 --quiet", "workers-4"),
    ("--workers 8 --method shm,copy --quiet", "workers-8"),
    ("--rows 1000000 --quiet", "rows-1000000"),
];

/// Sections whose figures are not checked, by their heading: none today.
const OTHER_RUNS: [&str; 0] = [];

/// Files whose prose quotes the chart's run.
const QUOTING: [&str; 3] = ["question.md", "experiment.md", "README.md"];

/// Figures in ms, MiB or "N times" in prose, outside code blocks and tables, with no marker.
fn unmarked_figures(name: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    let mut skipping = false;
    for (number, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if line.starts_with('#') && !in_code {
            skipping = OTHER_RUNS.iter().any(|h| line.starts_with(h))
                || (name == "README.md" && !line.starts_with("## Results"));
            if name == "README.md" && line.starts_with("### ") {
                skipping = true;
            }
        }
        if in_code || skipping || line.trim_start().starts_with('|') {
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        for (i, word) in words.iter().enumerate() {
            let next = words.get(i + 1).copied().unwrap_or("");
            let number_like = word
                .trim_start_matches(['(', '*'])
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
                && word
                    .trim_start_matches(['(', '*'])
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.');
            let unit = next.trim_end_matches([',', '.', ';', ':', ')', '*']);
            let is_figure = number_like
                && (unit.starts_with("ms")
                    || unit.starts_with("MiB")
                    || unit.starts_with("GiB")
                    || unit == "times");
            if is_figure
                && !next.contains(MARKER)
                && !words.get(i + 2).is_some_and(|w| w.starts_with(MARKER))
            {
                found.push(format!(
                    "{name}:{}: `{word} {next}` has no <!--run:...--> marker",
                    number + 1
                ));
            }
        }
    }
    found
}

#[test]
fn every_figure_quoted_from_the_run_matches_its_json() {
    let run = RunJson::load();
    let headline = headline(&run);
    let mut problems = Vec::new();
    let mut markers = 0;
    let mut tables = 0;
    for (name, text) in quoting_files() {
        markers += check_markers(&name, &text, &run, &mut problems);
        // The tables the run printed.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if *line == "```text" && lines.get(i + 1) == Some(&headline.as_str()) {
                let end = lines[i + 1..]
                    .iter()
                    .position(|l| l.starts_with("```"))
                    .map_or(lines.len(), |e| i + 1 + e);
                tables += 1;
                check_printed_table(
                    &format!("{name}:{}", i + 2),
                    &lines[i + 1..end],
                    &run,
                    &mut problems,
                );
            }
        }
        if QUOTING.contains(&name.as_str()) {
            problems.extend(unmarked_figures(&name, &text));
        }
    }
    // The table of variations in experiment.md, one JSON per command.
    let experiment = fs::read_to_string(book_src().join("experiment.md")).expect("experiment.md");
    for (flags, file) in VARIATIONS {
        let other = RunJson::load_file(&format!("experiment-{file}.json"));
        // The JSON is the command's: its rows and workers are the flags'.
        let flag = |name: &str| {
            let words: Vec<&str> = flags.split(' ').collect();
            words.iter().position(|w| *w == name).map(|i| {
                words[i + 1]
                    .parse::<f64>()
                    .expect("a number after the flag")
            })
        };
        let (rows, workers) = (other.value("rows"), other.value("workers"));
        if rows != Ok(flag("--rows").unwrap_or(10_000_000.0))
            || workers != Ok(flag("--workers").unwrap_or(2.0))
        {
            problems.push(format!(
                "experiment-{file}.json is not a run of `{flags}` (rows {rows:?}, workers {workers:?})"
            ));
        }
        // Its table follows the line "`FLAGS`:", up to the next blank line after the table.
        let label = format!("\n`{flags}`:\n");
        let Some(at) = experiment.find(&label) else {
            problems.push(format!(
                "experiment.md: no line `{}` before its table",
                label.trim()
            ));
            continue;
        };
        let table_start = at + label.len() + 1;
        let table_end = experiment[table_start..]
            .find("\n\n")
            .map_or(experiment.len(), |e| table_start + e);
        let table = &experiment[table_start..table_end];
        for m in other.methods() {
            let ms = |key: &str| format!("{:.1} ms", m[key].as_f64().unwrap_or(f64::NAN) * 1e3);
            let mib = |key: &str| match m[key].as_f64() {
                Some(bytes) => format!("{:.1} MiB", bytes / (1 << 20) as f64),
                None => "-".to_owned(),
            };
            let row = format!(
                "| {} | {} | {} | {} | {} | {} |",
                m["method"].as_str().unwrap_or("?"),
                ms("setup_s"),
                ms("workers_s"),
                ms("total_s"),
                mib("worker_private_bytes_max"),
                mib("all_processes_pss_bytes"),
            );
            if !table.lines().any(|l| l == row) {
                problems.push(format!(
                    "experiment.md: expected the row `{row}` in the table after `{flags}`"
                ));
            }
        }
    }
    // The table of the chart's run in experiment.md.
    for m in run.methods() {
        let name = m["method"].as_str().unwrap_or("?");
        let ms = |key: &str| format!("{:.1} ms", m[key].as_f64().unwrap_or(f64::NAN) * 1e3);
        let mib = |key: &str| match m[key].as_f64() {
            Some(bytes) => format!("{:.1} MiB", bytes / (1 << 20) as f64),
            None => "-".to_owned(),
        };
        let row = format!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            ms("setup_s"),
            ms("workers_s"),
            ms("total_s"),
            mib("worker_private_bytes_max"),
            mib("all_processes_pss_bytes"),
            m["nansum"].as_f64().unwrap_or(f64::NAN),
        );
        if !experiment.contains(&row) {
            problems.push(format!("experiment.md: expected the table row `{row}`"));
        }
    }
    assert!(
        problems.is_empty(),
        "book/src/images/experiment.json has changed since the book quoted it, or a quote has no \
         marker; update:\n{}",
        problems.join("\n")
    );
    assert!(
        markers >= 10,
        "the book marks the figures it quotes ({markers} markers found)"
    );
    assert!(
        tables >= 2,
        "experiment.md and the README show the table the run printed ({tables} found; its first \
         line must be `{headline}`)"
    );
}

#[test]
fn figure_markers_are_checked() {
    // The checker itself: a right figure passes, a stale one, a wrong format and a longer number
    // ending in the right digits do not.
    let run = RunJson(serde_json::json!({
        "data_bytes": 240000000,
        "methods": [
            {"method": "shm", "total_s": 0.2424},
            {"method": "copy", "total_s": 0.6273}
        ]
    }));
    let mut problems = Vec::new();
    let text = "took 242 ms<!--run:shm.total_s:ms0--> and **2.6**<!--run:copy.total_s/shm.total_s:f1--> times";
    assert_eq!(check_markers("t", text, &run, &mut problems), 2);
    assert!(problems.is_empty(), "{problems:?}");
    for wrong in [
        "took 243 ms<!--run:shm.total_s:ms0-->",
        "took 1242 ms<!--run:shm.total_s:ms0-->",
        "took 242 ms<!--run:shm.total_s:lightyears-->",
        "took 242 ms<!--run:shm.missing_s:ms0-->",
        "took 242 ms<!--run@no-such-run:shm.total_s:ms0-->",
        "took 242 ms<!--run;shm.total_s:ms0-->",
    ] {
        let mut problems = Vec::new();
        check_markers("t", wrong, &run, &mut problems);
        assert_eq!(problems.len(), 1, "{wrong}: {problems:?}");
    }
    assert_eq!(
        unmarked_figures("question.md", "Copying took 627 ms, and 2.6 times\n").len(),
        2
    );
    assert!(unmarked_figures("question.md", "took 627 ms<!--run:copy.total_s:ms0-->\n").is_empty());
}

/// Code and output blocks wrap at the page's width instead of being cut off: book.toml loads the
/// book's CSS, and the CSS wraps `pre` blocks. (`book/theme/check-layout.sh` checks the rendered
/// pages in Chromium; this test only checks that the rules are in place.)
#[test]
fn code_blocks_wrap_instead_of_scrolling() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("book");
    let config = fs::read_to_string(root.join("book.toml")).expect("book/book.toml");
    let css_line = config
        .lines()
        .find(|l| l.trim_start().starts_with("additional-css"))
        .expect("book.toml sets additional-css under [output.html]");
    assert!(css_line.contains("\"theme/wrap.css\""), "{css_line}");
    let css = fs::read_to_string(root.join("theme/wrap.css")).expect("book/theme/wrap.css");
    // Without its comments.
    let mut css = css.as_str();
    let mut rules = String::new();
    while let Some(start) = css.find("/*") {
        rules.push_str(&css[..start]);
        css = css[start..].split_once("*/").map_or("", |(_, rest)| rest);
    }
    rules.push_str(css);
    let css = rules;
    // The rule for `pre` blocks: its selectors and its declarations.
    let rule = css
        .split('}')
        .find(|rule| {
            rule.split('{')
                .next()
                .is_some_and(|s| s.split(',').any(|s| s.trim() == "pre"))
        })
        .expect("wrap.css has a rule for `pre`");
    for declaration in ["white-space: pre-wrap", "overflow-wrap: anywhere"] {
        assert!(
            rule.contains(declaration),
            "the `pre` rule sets `{declaration}`: {rule}"
        );
    }
}
