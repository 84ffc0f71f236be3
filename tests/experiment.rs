//! Runs the `experiment` example as a user would, at small sizes: a normal run and its JSON and
//! chart, a worker that crashes, returns a wrong sum or hangs, Ctrl-C, and bad flags. Every run
//! must leave no segment behind and no worker running.
//!
//! `cargo test` builds the examples before running the tests; the binary is found next to this
//! test's own executable (`target/<profile>/deps/..` → `target/<profile>/examples/experiment`).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// The example's binary.
fn experiment() -> PathBuf {
    let me = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = me
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let path = profile_dir.join("examples").join("experiment");
    assert!(
        path.is_file(),
        "the example binary {} is missing: run the tests with `cargo test` (which builds the \
         examples first), or build it with `cargo build --example experiment`",
        path.display()
    );
    path
}

struct Run {
    pid: u32,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "status {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// Checks that the run removed its segments and left no worker running.
    fn assert_cleaned_up(&self) {
        for name in segment_names(&self.stderr) {
            assert!(
                !Path::new("/dev/shm").join(&name).exists(),
                "segment {name} was left behind\n{}",
                self.context()
            );
            let workers = processes_mentioning(&name);
            assert!(
                workers.is_empty(),
                "workers of {name} are still running: {workers:?}"
            );
        }
        let leaked = segments_created_by(self.pid);
        assert!(
            leaked.is_empty(),
            "segments created by the run are left in /dev/shm: {leaked:?}\n{}",
            self.context()
        );
    }
}

fn run(args: &[&str]) -> Run {
    let child = Command::new(experiment())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let pid = child.id();
    let out = child.wait_with_output().expect("the example runs");
    Run {
        pid,
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every `shmsafe_` followed by 16 hex digits in `text`.
fn segment_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("shmsafe_") {
        let candidate = &rest[at..];
        let hex = &candidate["shmsafe_".len()..];
        if hex.len() >= 16 && hex[..16].bytes().all(|b| b.is_ascii_hexdigit()) {
            let name = candidate[..24].to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        rest = &candidate["shmsafe_".len()..];
    }
    names
}

/// Segments in /dev/shm whose header names `pid` as their creator (offset 56 of the header).
fn segments_created_by(pid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("shmsafe_"))
        .filter(|e| {
            let mut header = [0u8; 64];
            std::fs::File::open(e.path())
                .and_then(|mut f| f.read_exact(&mut header))
                .is_ok_and(|()| {
                    &header[..8] == b"SHMSAFE\0"
                        && u32::from_ne_bytes(header[56..60].try_into().unwrap()) == pid
                })
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Processes whose command line contains `text`.
fn processes_mentioning(text: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| {
                String::from_utf8_lossy(&cmd)
                    .replace('\0', " ")
                    .contains(text)
            })
        })
        .collect()
}

fn temp_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()))
}

#[test]
fn a_small_run_checks_every_sum_and_reports_json_and_a_chart() {
    let json_path = temp_path("run.json");
    let chart_path = temp_path("run.svg");
    let out = run(&[
        "--rows",
        "1000",
        "--workers",
        "2",
        "--json",
        json_path.to_str().unwrap(),
        "--chart",
        chart_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.context());
    out.assert_cleaned_up();
    assert_eq!(
        segment_names(&out.stderr).len(),
        3,
        "the shm method creates one segment per round (three by default) and says so\n{}",
        out.context()
    );

    // The table: a header and one line per default method, each with the answer.
    assert!(
        out.stdout.contains("worker private max"),
        "{}",
        out.context()
    );
    for method in ["shm", "sealed", "copy", "threads"] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with(method))
            .unwrap_or_else(|| panic!("no table line for {method}\n{}", out.context()));
        assert!(line.trim_end().ends_with(" 500"), "{line}");
    }

    let text = std::fs::read_to_string(&json_path).expect("--json wrote the file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the JSON parses");
    assert_eq!(json["rows"], 1000);
    assert_eq!(json["record_bytes"], 24);
    assert_eq!(json["data_bytes"], 24_000);
    assert_eq!(json["workers"], 2);
    assert_eq!(json["repeat"], 3);
    assert!(json["machine"]["cpus"].as_u64().unwrap() >= 1);
    assert!(!json["machine"]["kernel"].as_str().unwrap().is_empty());
    let methods = json["methods"].as_array().unwrap();
    let names: Vec<&str> = methods
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shm", "sealed", "copy", "threads"]);
    for m in methods {
        let name = m["method"].as_str().unwrap();
        assert_eq!(m["nansum"], 500.0, "{name}: nansum == rows / 2");
        let secs = |key: &str| {
            let v = m[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}: {key} is a number"));
            assert!(v.is_finite() && v >= 0.0, "{name}: {key} = {v}");
            v
        };
        let (setup, workers, total) = (secs("setup_s"), secs("workers_s"), secs("total_s"));
        assert!(
            (setup + workers - total).abs() < 1e-9,
            "{name}: total = setup + workers"
        );
        secs("attach_s_max");
        secs("scan_s_max");
        // Three rounds by default; the figures are those of the median round.
        let mut rounds: Vec<f64> = m["rounds_total_s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(rounds.len(), 3, "{name}: one total per round");
        rounds.sort_by(f64::total_cmp);
        assert!(
            (rounds[1] - total).abs() < 1e-9,
            "{name}: the reported round is the median one: {rounds:?} vs {total}"
        );
        let per_worker = m["per_worker"].as_array().unwrap();
        assert_eq!(per_worker.len(), 2, "{name}");
        for (i, w) in per_worker.iter().enumerate() {
            assert_eq!(w["worker"], i);
            assert_eq!(w["nansum"], 500.0);
        }
        let memory = [
            "worker_private_bytes_max",
            "worker_pss_bytes_max",
            "worker_rss_bytes_max",
        ];
        if name == "threads" {
            for key in memory {
                assert!(m[key].is_null(), "threads have no worker processes: {key}");
            }
            assert!(m["process_private_bytes"].as_u64().unwrap() > 0);
        } else {
            let private = m["worker_private_bytes_max"].as_u64().unwrap();
            let pss = m["worker_pss_bytes_max"].as_u64().unwrap();
            let rss = m["worker_rss_bytes_max"].as_u64().unwrap();
            assert!(0 < private && private <= rss && pss <= rss, "{name}: {m}");
            // The parent and the workers, measured together while every worker held the data:
            // their PSS adds up to the total.
            let parent = m["parent_pss_bytes"].as_u64().unwrap();
            let workers: u64 = per_worker
                .iter()
                .map(|w| w["snapshot_pss_bytes"].as_u64().unwrap())
                .sum();
            assert!(parent > 0 && workers > 0, "{name}: {m}");
            assert_eq!(
                m["all_processes_pss_bytes"].as_u64().unwrap(),
                parent + workers,
                "{name}: all processes = parent + workers"
            );
            assert!(
                m["parent_private_bytes"].as_u64().unwrap()
                    <= m["parent_rss_bytes"].as_u64().unwrap(),
                "{name}: {m}"
            );
        }
    }
    let all = |name: &str| {
        methods.iter().find(|m| m["method"] == name).unwrap()["all_processes_pss_bytes"]
            .as_u64()
            .unwrap()
    };
    // Three processes each hold their own copy; shm holds one between them.
    assert!(all("copy") > all("shm"), "{text}");
    // Sealed holds one copy too, however many workers map it.
    assert!(all("copy") > all("sealed"), "{text}");
    let threads = methods.iter().find(|m| m["method"] == "threads").unwrap();
    assert_eq!(
        threads["all_processes_pss_bytes"], threads["process_pss_bytes"],
        "threads: all processes is the one process"
    );
    assert!(json["goals"].is_array());

    let svg = std::fs::read_to_string(&chart_path).expect("--chart wrote the file");
    assert!(svg.starts_with("<svg"), "an SVG file");
    // Every label is an SVG `<text>` element: no fonts needed.
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
        .collect();
    // Drawn at the width of the book's text column, with no text smaller than 13 px there.
    assert!(svg.contains(r#"width="750""#), "750 px wide");
    let sizes: Vec<f64> = svg
        .split(r#"font-size=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&s| s >= 13.0),
        "{sizes:?}"
    );
    for text in [
        "Time, start to last result",
        "Private memory of each worker process",
        "Memory of all processes: parent + 2 workers (PSS)",
        "shm",
        "copy",
        "threads",
        "none: threads share one process",
    ] {
        assert!(texts.contains(&text), "the chart shows `{text}`: {texts:?}");
    }
    let _ = std::fs::remove_file(json_path);
    let _ = std::fs::remove_file(chart_path);
}

#[test]
fn odd_sizes_and_quiet_runs_work() {
    let chart_path = temp_path("odd.svg");
    let out = run(&[
        "--rows",
        "1001",
        "--workers",
        "3",
        "--method",
        "copy,shm",
        "--quiet",
        "--chart",
        chart_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.context());
    assert_eq!(out.stderr, "", "--quiet prints no progress");
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("copy") || l.starts_with("shm"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", out.context());
    assert!(
        lines[0].starts_with("copy"),
        "methods run in the order given"
    );
    for line in lines {
        assert!(line.trim_end().ends_with(" 501"), "{line}");
    }
    out.assert_cleaned_up();
    // The chart draws whatever methods ran, in their order, with no threads row.
    let svg = std::fs::read_to_string(&chart_path).expect("--chart wrote the file");
    let _ = std::fs::remove_file(&chart_path);
    assert!(svg.contains("parent + 3 workers"), "{svg}");
    let (copy, shm) = (svg.find(">copy<").unwrap(), svg.find(">shm<").unwrap());
    assert!(copy < shm, "copy is drawn first");
    assert!(!svg.contains(">threads<"), "{svg}");
}

#[test]
fn a_crashing_worker_fails_the_run_and_is_named() {
    let out = run(&[
        "--rows",
        "1000",
        "--workers",
        "2",
        "--method",
        "shm",
        "--fault",
        "crash",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.context());
    assert!(
        out.stderr
            .contains("worker 1 of method shm crashed before reporting a result"),
        "{}",
        out.context()
    );
    assert!(out.stderr.contains("SIGABRT"), "{}", out.context());
    assert!(out.stdout.is_empty(), "no table for a failed run");
    assert_eq!(segment_names(&out.stderr).len(), 1, "{}", out.context());
    out.assert_cleaned_up();
}

#[test]
fn a_wrong_sum_fails_the_run_and_is_named() {
    for method in ["shm", "sealed", "copy"] {
        let out = run(&[
            "--rows",
            "1000",
            "--workers",
            "2",
            "--method",
            method,
            "--fault",
            "wrong",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", out.context());
        let expected =
            format!("worker 1 of method {method} returned nansum 501, but the answer is 500");
        assert!(out.stderr.contains(&expected), "{}", out.context());
        out.assert_cleaned_up();
    }
}

#[test]
fn a_hung_worker_is_killed_after_the_timeout() {
    let out = run(&[
        "--rows",
        "1000",
        "--workers",
        "2",
        "--method",
        "shm",
        "--fault",
        "hang",
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.context());
    assert!(
        out.stderr
            .contains("worker 1 of method shm reported nothing within 1 s (--timeout)"),
        "{}",
        out.context()
    );
    out.assert_cleaned_up();
}

#[test]
fn ctrl_c_removes_the_segment_and_stops_the_workers() {
    // A hanging worker keeps the run waiting, with its segment open, until the interrupt.
    /// Kills the run if the test fails before it ends.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            if let Ok(None) = self.0.try_wait() {
                // SIGINT: the run removes its segment and stops its workers.
                let _ = Command::new("kill")
                    .args(["-INT", &self.0.id().to_string()])
                    .status();
                let _ = self.0.wait();
            }
        }
    }

    let child = Command::new(experiment())
        .args(["--rows", "1000", "--workers", "2", "--method", "shm"])
        .args(["--fault", "hang", "--timeout", "300"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut child = KillOnDrop(child);
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("the run ended before starting its workers:\n{seen}");
        }
        seen.push_str(&line);
        if line.contains("starting 2 worker process") {
            break;
        }
    }
    let name = segment_names(&seen)
        .pop()
        .expect("the segment's name is printed");
    // Wait until the hanging worker runs: it never exits by itself.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while processes_mentioning(&format!("--name {name} --fault hang")).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the workers did not start:\n{seen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .expect("`kill` runs");
    assert!(killed.success());
    let status = child.0.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    seen.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(
        seen.contains("interrupted: stopped") && seen.contains(&format!("removed {name}")),
        "{seen}"
    );
    assert!(
        !Path::new("/dev/shm").join(&name).exists(),
        "{name} was left behind"
    );
    // The killed worker may take a moment to disappear from /proc.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !processes_mentioning(&name).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "a worker of {name} still runs"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn bad_flags_get_clear_messages() {
    let cases: [(&[&str], &str); 6] = [
        (&["--workers", "0"], "0 workers: use between 1 and"),
        (&["--rows", "ten"], "`ten` is not a number of rows"),
        (&["--rows", "0"], "there must be at least one row"),
        (&["--method", "shm,pickle"], "invalid value 'pickle'"),
        (&["--method", "shm,shm"], "--method lists `shm` twice"),
        (
            &["--timeout", "0"],
            "the timeout must be more than 0 seconds",
        ),
    ];
    for (args, message) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.context());
        assert!(out.stderr.contains(message), "{args:?}: {}", out.context());
    }
    let out = run(&["--json", "/nonexistent-dir/run.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", out.context());
    assert!(
        out.stderr
            .contains("cannot create /nonexistent-dir/run.json (given with --json)"),
        "{}",
        out.context()
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn the_python_method_says_what_to_install() {
    let out = run(&["--method", "python", "--python", "/nonexistent/python3"]);
    assert_eq!(out.status.code(), Some(1), "{}", out.context());
    assert!(
        out.stderr
            .contains("the interpreter `/nonexistent/python3` was not found"),
        "{}",
        out.context()
    );
    assert!(
        out.stderr.contains("pip install numpy"),
        "{}",
        out.context()
    );

    // An interpreter that cannot import numpy (`false` fails whatever it is asked to run).
    let out = run(&["--method", "python", "--python", "false"]);
    assert_eq!(out.status.code(), Some(1), "{}", out.context());
    assert!(
        out.stderr.contains("`false` cannot import numpy"),
        "{}",
        out.context()
    );
    assert!(
        out.stderr
            .contains("python3 -m venv .venv && .venv/bin/pip install numpy"),
        "{}",
        out.context()
    );
}
