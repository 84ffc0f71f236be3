//! Hand a `SharedArray` to Python: numpy workers attach to it by name and sum its records, with
//! no copy, and the segment is still Rust's when they are done.
//!
//! ```text
//! cargo run --example python_handoff -- --rows 1000000 --workers 2
//! ```
//!
//! The workers are `examples/python/nansum_worker.py`, run by `--python` (by default the
//! virtual environment `cargo test --test python_interop` makes in `target/python-venv`, else
//! `python3`), which needs numpy.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::Parser;
use serde::Deserialize;
use shmsafe::SharedArray;

#[path = "seed/mod.rs"]
mod seed;
use seed::Row;

/// Hand a SharedArray of the seed's records to Python workers.
#[derive(Parser)]
struct Args {
    /// Number of records.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Number of Python worker processes.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// The Python interpreter (with numpy) that runs the workers.
    #[arg(long)]
    python: Option<PathBuf>,
}

/// One line of `nansum_worker.py`.
#[derive(Deserialize)]
struct Report {
    worker: usize,
    nansum: Option<f64>,
    attach_s: f64,
    scan_s: f64,
    private_bytes: u64,
    pss_bytes: u64,
    rss_bytes: u64,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("python_handoff: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = args.python.unwrap_or_else(|| {
        let venv = manifest.join("target/python-venv/bin/python");
        if venv.exists() {
            venv
        } else {
            "python3".into()
        }
    });

    // ANCHOR: handoff
    let rows = SharedArray::from_fn_parallel(args.rows, seed::row).map_err(|e| e.to_string())?;
    let handoff = rows.numpy_handoff();
    println!("{handoff}");
    // ANCHOR_END: handoff
    // A Ctrl-C would skip `rows`' drop: remove the segment on the way out instead.
    let name = rows.name().to_owned();
    ctrlc::set_handler(move || {
        let _ = shmsafe::remove(&name);
        std::process::exit(130);
    })
    .map_err(|e| format!("installing the Ctrl-C handler: {e}"))?;

    // ANCHOR: spawn
    let script = manifest.join("examples/python/nansum_worker.py");
    let workers = (0..args.workers)
        .map(|w| {
            Command::new(&python)
                .arg(&script)
                .args(["--handoff", &handoff, "--worker", &w.to_string()])
                .stdout(Stdio::piped())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "could not start {}: {e}; install Python 3 and numpy \
                 (`apt-get install python3`, `pip install numpy`) or pass --python",
                python.display()
            )
        })?;
    // ANCHOR_END: spawn

    let expected = args.rows.div_ceil(2) as f64;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("worker   nansum       attach ms  scan ms  private MiB  PSS MiB  RSS MiB");
    let mut failed = false;
    for child in workers {
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            // The worker said why on stderr, which it shares with us.
            failed = true;
            continue;
        }
        let line = String::from_utf8_lossy(&out.stdout);
        let r: Report = serde_json::from_str(&line)
            .map_err(|e| format!("a worker printed {line:?}, not a report: {e}"))?;
        println!(
            "{:<8} {:<12} {:>9.3} {:>8.3} {:>12.1} {:>8.1} {:>8.1}",
            r.worker,
            r.nansum.map_or("inf/nan".into(), |s| s.to_string()),
            r.attach_s * 1e3,
            r.scan_s * 1e3,
            mib(r.private_bytes),
            mib(r.pss_bytes),
            mib(r.rss_bytes),
        );
        if r.nansum != Some(expected) {
            eprintln!(
                "worker {} summed {:?}, expected {expected}",
                r.worker, r.nansum
            );
            failed = true;
        }
    }

    // ANCHOR: survives
    // The workers have exited and the segment is still there: Python did not unlink it.
    // SAFETY: the segment was published and is never written again.
    let again = unsafe { SharedArray::<Row>::open(rows.name()) }
        .map_err(|e| format!("the segment did not survive the Python workers: {e}"))?;
    println!(
        "{} is still there after the workers exited: {} records",
        again.name(),
        again.len()
    );
    // ANCHOR_END: survives
    if failed {
        return Err("a worker failed (see above)".into());
    }
    Ok(())
}
