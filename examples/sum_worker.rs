//! A Rust worker for records a Python parent shared with the `shmsafe` Python package: opens
//! them by name (`SharedArray::<Row>::open`) or by sealed handle (`SealedArray::<Row>::open`)
//! and prints the nansum of `val` as one JSON line.
//!
//! ```text
//! cargo build --release --example sum_worker
//! python examples/python/seed_parent.py          # starts the workers itself
//! target/release/examples/sum_worker shmsafe_0123456789abcdef --worker 0
//! target/release/examples/sum_worker '/proc/4242/fd/3#00112233445566aa'
//! ```
//!
//! The line reads `{"worker": 0, "rows": 10000000, "nansum": 5000000.0, "open_s": 0.0001,
//! "scan_s": 0.012, "private_bytes": 1234944, "rss_bytes": 242020352}`: `open_s` is the time to
//! open and check the segment, `scan_s` the time of the sum; the memory figures are this
//! process's, from `/proc/self/smaps_rollup` after the scan, while the records are mapped (a
//! worker that had copied them would have them in `private_bytes`). An error (the wrong record
//! type, a segment that is gone) goes to stderr with exit status 1.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use shmsafe::{FixedStr, SealedArray, SharedArray, ShmSafe};

// ANCHOR: row
/// The record pandas makes for the seed: `df.to_records(index=False,
/// column_dtypes={'character_col': 'S6'})` gives `[('date', '<M8[us]'), ('val', '<f8'),
/// ('character_col', 'S6')]`, 22 bytes packed; the Python package stores the datetime as its
/// `i64` count (microseconds with pandas 3, nanoseconds before) and makes the 2 bytes that round
/// the record up to its alignment an explicit `_pad` field.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    character_col: FixedStr<6>,
    _pad: [u8; 2],
}
// ANCHOR_END: row

/// Sum the `val` column of records a Python parent shared.
#[derive(Parser)]
struct Cli {
    /// The segment: a name (`shmsafe_...`, from `Segment.name`) or a sealed handle
    /// (`/proc/<pid>/fd/<n>#<nonce>`, from `Segment.handle`).
    segment: String,
    /// This worker's number, echoed in the report.
    #[arg(long, default_value_t = 0)]
    worker: usize,
}

// ANCHOR: sum
fn nansum(rows: &[Row]) -> f64 {
    rows.iter().map(|r| r.val).filter(|v| !v.is_nan()).sum()
}

fn run(cli: &Cli) -> Result<Report, shmsafe::Error> {
    let start = Instant::now();
    if cli.segment.contains('#') {
        // A sealed handle: the kernel guarantees the records never change, so no `unsafe`.
        let rows = SealedArray::<Row>::open(&cli.segment)?;
        Ok(Report::scan(&rows, start))
    } else {
        // SAFETY: the Python parent never writes the records after `shmsafe.create` returns, and
        // never resizes the segment; it removes the name only after every worker has exited.
        let rows = unsafe { SharedArray::<Row>::open(&cli.segment)? };
        Ok(Report::scan(&rows, start))
    }
}
// ANCHOR_END: sum

/// What a worker reports.
struct Report {
    rows: usize,
    nansum: f64,
    open_s: f64,
    scan_s: f64,
    private_bytes: u64,
    rss_bytes: u64,
}

impl Report {
    /// Sums `rows`, opened since `start`, and measures this process while they are mapped.
    fn scan(rows: &[Row], start: Instant) -> Report {
        let open_s = start.elapsed().as_secs_f64();
        let nansum = nansum(rows);
        let scan_s = start.elapsed().as_secs_f64() - open_s;
        let (private_bytes, rss_bytes) = memory();
        Report {
            rows: rows.len(),
            nansum,
            open_s,
            scan_s,
            private_bytes,
            rss_bytes,
        }
    }
}

/// Private (`Private_Clean + Private_Dirty`) and resident (`Rss`) bytes of this process.
fn memory() -> (u64, u64) {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let kib = |key: &str| -> u64 {
        rollup
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (
        (kib("Private_Clean:") + kib("Private_Dirty:")) * 1024,
        kib("Rss:") * 1024,
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(r) => {
            let nansum = if r.nansum.is_finite() {
                format!("{:?}", r.nansum)
            } else {
                "null".to_owned()
            };
            println!(
                "{{\"worker\": {}, \"rows\": {}, \"nansum\": {nansum}, \"open_s\": {}, \
                 \"scan_s\": {}, \"private_bytes\": {}, \"rss_bytes\": {}}}",
                cli.worker, r.rows, r.open_s, r.scan_s, r.private_bytes, r.rss_bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sum_worker {}: {e}", cli.worker);
            ExitCode::FAILURE
        }
    }
}
