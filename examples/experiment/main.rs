//! The seed's experiment, re-run in Rust: worker processes compute the nansum of ten million
//! records that they open by name in shared memory, against copying the records into every
//! worker, against threads in one process.
//!
//! ```text
//! cargo run --release --example experiment                  # the defaults: the seed's experiment
//! cargo run --release --example experiment -- --rows 1000000 --workers 4 --method shm,copy
//! cargo run --release --example experiment -- --json run.json --chart run.svg
//! cargo run --release --example experiment -- --method python   # needs python3 with numpy
//! ```
//!
//! The records are the seed's: `{ date: i64 ns, val: f64, name: FixedStr<6> }`, `val` alternating
//! 1.0 and NaN and `name` alternating "string" and "abc", 24 bytes each. Every worker computes the
//! nansum of `val` over *all* the records; the answer (half the number of rows, rounded up) is
//! checked, and a wrong answer fails the run.
//!
//! Methods (`--method`, a comma-separated list; the default is `shm,sealed,copy,threads`):
//!
//! - `shm`: the parent creates a [`SharedArray`](shmsafe::SharedArray) and fills it with as many
//!   threads as there are workers; each worker process opens it by name and scans it.
//! - `sealed`: the same records in a [`SealedArray`](shmsafe::SealedArray), sealed by the
//!   parent; each worker process opens its handle, with no `unsafe`.
//! - `copy`: the parent builds the records in a `Vec` the same way and sends each worker process
//!   all of their bytes through a pipe (large writes, the pipe's buffer raised to the system's
//!   maximum); each worker reads them into its own `Vec` and scans that. This is the analogue
//!   of the seed's pickling, done as fast as an honest copy can be.
//! - `threads`: the parent builds the `Vec` the same way and scoped threads scan it: the floor,
//!   with no process boundary.
//! - `python`: as `shm`, but the workers are Python processes running
//!   `examples/python/nansum_worker.py`, which attach with numpy: the seed's own worker, reading
//!   Rust's records. Not in the default set, so that the main command needs no Python.
//!
//! Worker processes are real OS processes: this program starts its own executable again in a
//! worker role (`experiment __worker shm|copy ...`, hidden from `--help`).
//!
//! # What is measured
//!
//! Per method: *setup* (shm: creating and filling the segment; copy: building the records the
//! parent sends; threads: building the `Vec`), *workers* (from starting the first worker to the
//! last result) and their total. Each worker measures itself from the OS at the end of its work,
//! with its data still mapped: private memory (USS, `Private_Clean + Private_Dirty`), PSS and RSS
//! from `/proc/self/smaps_rollup`, its attach time (opening the segment, or receiving the copy)
//! and its scan time. The output is a table on stdout, the performance goals with the ratios
//! measured, and on request a JSON file (`--json`) and an SVG chart (`--chart`).
//!
//! # The worker report
//!
//! Every worker process, Rust or Python, reports to the parent with exactly one line of JSON on
//! its stdout, and prints nothing else there:
//!
//! ```text
//! {"worker": 0, "nansum": 5000000.0, "attach_s": 0.0001, "scan_s": 0.021, "private_bytes": 880640, "pss_bytes": 80572416, "rss_bytes": 242802688}
//! ```
//!
//! - `worker`: the worker's index, as given to it (`--index` here, `--worker` to the Python script);
//! - `nansum`: the sum of `val` over all the records, NaNs skipped;
//! - `attach_s`: seconds to open the segment (shm, python) or to receive the copy (copy);
//! - `scan_s`: seconds to compute the nansum;
//! - `private_bytes`: `Private_Clean + Private_Dirty` from `/proc/self/smaps_rollup`, in bytes;
//! - `pss_bytes`, `rss_bytes`: `Pss` and `Rss` from the same file, in bytes.
//!
//! All seven keys are required (numbers; the key order does not matter); other keys are ignored.
//! A worker that fails writes why on its stderr (which the parent passes through) and exits with
//! a non-zero status.
//!
//! A Rust worker then keeps its records until its stdin closes. When every worker has reported,
//! the parent measures itself and every worker from `/proc/<pid>/smaps_rollup`, all of them
//! holding the records at that moment, and only then closes their stdin: the PSS of all of them
//! added up (`all processes` in the table, `all_processes_pss_bytes` in the JSON) is the memory
//! the method used, each shared page counted once. Python workers exit as soon as they have
//! reported, so the python method has no such total.
//!
//! # Faults
//!
//! A worker that crashes, hangs past `--timeout` or returns a wrong sum fails the run with a
//! message naming the worker and the method; the other workers are stopped and the segment is
//! removed. Ctrl-C removes the segment too. The hidden flag `--fault crash|hang|wrong` makes the
//! last worker of every `shm` and `copy` run misbehave on purpose, for the tests.

mod chart;
mod methods;
mod report;
#[path = "../svg/mod.rs"]
mod svg;
mod worker;

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clap::{CommandFactory, Parser, ValueEnum};

// The record, its data and the nansum are the seed's, shared with the other examples, the tests
// and the book.
#[path = "../seed/mod.rs"]
mod seed;
pub use seed::{Row, expected_nansum, nansum, row};

/// How the records reach the workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Worker processes open a `SharedArray` by name.
    Shm,
    /// Worker processes open a `SealedArray` by handle, with no `unsafe`.
    Sealed,
    /// Worker processes receive a copy of the bytes through a pipe.
    Copy,
    /// Threads of this process scan one `Vec`.
    Threads,
    /// Python worker processes attach to a `SharedArray` with numpy.
    Python,
}

impl Method {
    /// The name used on the command line, in the table and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Method::Shm => "shm",
            Method::Sealed => "sealed",
            Method::Copy => "copy",
            Method::Threads => "threads",
            Method::Python => "python",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A way for a worker to misbehave on purpose (hidden flag `--fault`, for the tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fault {
    /// Abort (SIGABRT) after scanning, before reporting.
    Crash,
    /// Never report.
    Hang,
    /// Report the sum plus one.
    Wrong,
}

#[derive(Parser, Debug)]
#[command(
    name = "experiment",
    about = "The seed's experiment in Rust: worker processes sum records shared through shared \
             memory, against copying the records into each worker, against threads.",
    after_help = "Every worker computes the nansum of `val` over all the records, and the answer \
                  is checked. Progress goes to stderr, the table to stdout."
)]
struct Cli {
    /// How many 24-byte records to share.
    #[arg(long, value_name = "N", default_value = "10000000", value_parser = parse_rows)]
    rows: usize,

    /// How many workers each method runs [default: the number of CPUs].
    #[arg(long, value_name = "W", value_parser = parse_workers)]
    workers: Option<usize>,

    /// The methods to run, in this order, separated by commas: shm, sealed, copy, threads,
    /// python.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "shm,sealed,copy,threads"
    )]
    method: Vec<Method>,

    /// How many rounds to run; every method runs once per round, and each is reported by its
    /// median round (by total time), so that one unlucky run does not decide the figures.
    #[arg(long, value_name = "N", default_value = "3", value_parser = parse_repeat)]
    repeat: usize,

    /// Also write the results as JSON to PATH.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,

    /// Also draw the results as an SVG chart in PATH.
    #[arg(long, value_name = "PATH")]
    chart: Option<PathBuf>,

    /// Print only the table and the goals, no progress.
    #[arg(long, short)]
    quiet: bool,

    /// The Python interpreter for `--method python`; it needs numpy.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    python: PathBuf,

    /// How long to wait for a method's workers before declaring them hung.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = parse_timeout)]
    timeout: Duration,

    /// Make the last worker of every shm and copy run misbehave, to test the fault handling.
    #[arg(long, hide = true)]
    fault: Option<Fault>,
}

fn parse_count(text: &str, what: &str) -> Result<usize, String> {
    let digits = text.replace('_', "");
    digits.parse::<usize>().map_err(|e| {
        format!("`{text}` is not a number of {what} ({e}); write a whole number such as 1000000")
    })
}

fn parse_rows(text: &str) -> Result<usize, String> {
    let rows = parse_count(text, "rows")?;
    if rows == 0 {
        return Err("there must be at least one row".into());
    }
    // 24 bytes per record; what does not fit is refused when the memory is asked for.
    if rows > isize::MAX as usize / size_of::<Row>() {
        return Err(format!(
            "{rows} rows of {} bytes do not fit in memory",
            size_of::<Row>()
        ));
    }
    Ok(rows)
}

fn parse_repeat(text: &str) -> Result<usize, String> {
    match parse_count(text, "rounds")? {
        0 => Err("run at least one round".into()),
        n => Ok(n),
    }
}

const MAX_WORKERS: usize = 1024;

fn parse_workers(text: &str) -> Result<usize, String> {
    let workers = parse_count(text, "workers")?;
    if !(1..=MAX_WORKERS).contains(&workers) {
        return Err(format!(
            "{workers} workers: use between 1 and {MAX_WORKERS} (the default is one per CPU)"
        ));
    }
    Ok(workers)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|e| format!("`{text}` is not a number of seconds ({e})"))?;
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!(
            "the timeout must be more than 0 seconds, not {text}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Progress lines on stderr, unless `--quiet`.
#[derive(Clone, Copy)]
pub struct Log {
    quiet: bool,
}

impl Log {
    /// Prints one line of progress.
    pub fn say(self, line: impl fmt::Display) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// What every method needs to know about the run.
pub struct Config {
    /// Records per run.
    pub rows: usize,
    /// Workers per method, and threads for building the records.
    pub workers: usize,
    /// How long a method's workers may take.
    pub timeout: Duration,
    /// The fault to inject, if any.
    pub fault: Option<Fault>,
    /// The Python interpreter for `--method python`.
    pub python: PathBuf,
    /// Progress.
    pub log: Log,
}

/// What the Ctrl-C handler must clean up: the segment that exists right now, if any, and the
/// worker processes that are running.
pub mod interrupt {
    use super::*;

    struct Live {
        segment: Option<String>,
        children: Vec<u32>,
    }

    static LIVE: Mutex<Live> = Mutex::new(Live {
        segment: None,
        children: Vec::new(),
    });

    fn live() -> std::sync::MutexGuard<'static, Live> {
        LIVE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// On Ctrl-C (SIGINT) or SIGTERM: kill the workers, remove the segment, exit with 130.
    pub fn install() -> Result<(), ctrlc::Error> {
        ctrlc::set_handler(|| {
            let live = live();
            for &pid in &live.children {
                // SAFETY: `kill` has no memory-safety preconditions. (`pid` is a worker this
                // process started and has not reaped, or reaped a moment ago: worker ids are
                // unregistered as soon as they are reaped.)
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
            let removed = match &live.segment {
                Some(name) => match shmsafe::remove(name) {
                    Ok(()) | Err(shmsafe::Error::NotFound { .. }) => format!(", removed {name}"),
                    Err(e) => format!(", but could not remove {name}: {e}"),
                },
                None => String::new(),
            };
            eprintln!(
                "\ninterrupted: stopped {} worker(s){removed}",
                live.children.len()
            );
            std::process::exit(130);
        })
    }

    /// A segment now exists under `name`.
    pub fn segment_created(name: &str) {
        live().segment = Some(name.to_owned());
    }

    /// The segment is gone (or about to be, by its drop).
    pub fn segment_removed() {
        live().segment = None;
    }

    /// A worker process was started.
    pub fn child_started(pid: u32) {
        live().children.push(pid);
    }

    /// A worker process is about to be waited for: its id may be reused after that.
    pub fn child_finished(pid: u32) {
        live().children.retain(|&p| p != pid);
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == worker::ROLE) {
        return worker::main();
    }
    let cli = Cli::parse();
    let mut seen = Vec::new();
    for &m in &cli.method {
        if seen.contains(&m) {
            Cli::command()
                .error(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--method lists `{m}` twice; name each method once"),
                )
                .exit();
        }
        seen.push(m);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("experiment failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let log = Log { quiet: cli.quiet };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cli.workers.unwrap_or(cpus);
    // Open the output files first: a typo in a path should not cost a whole run.
    let json_file = cli
        .json
        .as_ref()
        .map(|path| create(path, "--json"))
        .transpose()?;
    if let Some(path) = &cli.chart {
        create(path, "--chart")?;
    }
    if cli.method.contains(&Method::Python) {
        methods::check_python(&cli.python)?;
    }
    interrupt::install().map_err(|e| format!("could not install the Ctrl-C handler: {e}"))?;

    let config = Config {
        rows: cli.rows,
        workers,
        timeout: cli.timeout,
        fault: cli.fault,
        python: cli.python.clone(),
        log,
    };
    let data_bytes = cli.rows * size_of::<Row>();
    log.say(format_args!(
        "experiment: {} rows of {} bytes ({}), {workers} worker(s), methods {}; expecting nansum {}",
        report::thousands(cli.rows as u64),
        size_of::<Row>(),
        report::megabytes(data_bytes as u64),
        cli.method.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
        expected_nansum(cli.rows),
    ));

    // Round by round, every method in turn: the methods meet the same conditions.
    let mut rounds: Vec<Vec<methods::MethodResult>> =
        cli.method.iter().map(|_| Vec::new()).collect();
    for round in 1..=cli.repeat {
        if cli.repeat > 1 {
            log.say(format_args!("round {round} of {}", cli.repeat));
        }
        for (results, &method) in rounds.iter_mut().zip(&cli.method) {
            results.push(methods::run(method, &config)?);
        }
    }

    let run = report::Run::new(&config, cpus, rounds);
    print!("{}", run.table());
    print!("{}", run.goals_text());
    if let (Some(path), Some(file)) = (&cli.json, json_file) {
        let mut text = serde_json::to_string_pretty(&run).expect("the results are plain data");
        text.push('\n');
        (&file)
            .write_all(text.as_bytes())
            .map_err(|e| format!("could not write the JSON to {}: {e}", path.display()))?;
        log.say(format_args!("wrote {}", path.display()));
    }
    if let Some(path) = &cli.chart {
        chart::draw(path, &run)
            .map_err(|e| format!("could not draw the chart in {}: {e}", path.display()))?;
        log.say(format_args!("wrote {}", path.display()));
    }
    Ok(())
}

fn create(path: &std::path::Path, flag: &str) -> Result<File, String> {
    File::create(path).map_err(|e| {
        format!(
            "cannot create {} (given with {flag}): {e}; check that its directory exists and is \
             writable",
            path.display()
        )
    })
}
