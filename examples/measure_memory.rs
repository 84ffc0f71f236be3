//! How much memory does a worker process really use? Three worker processes answer from
//! `/proc/self/smaps_rollup`, and one shows why `getrusage`'s max RSS cannot.
//!
//! The parent puts 2,000,000 of the seed's 24-byte records (48 MB) in a `SharedArray`. Then, one
//! at a time, it starts this program again as a worker:
//!
//! - `--shared NAME` opens the array by name and sums it: its pages are the parent's pages;
//! - `--copy` receives all 48 MB through a pipe into its own `Vec` and sums that;
//! - `--idle` does nothing at all, then reports.
//!
//! ```text
//! cargo run --example measure_memory
//! ```

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};

use shmsafe::SharedArray;

#[path = "seed/mod.rs"]
mod seed;
use seed::{Row, nansum, row};

const ROWS: usize = 2_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        // ANCHOR: shared
        Some("--shared") => {
            // SAFETY: the parent publishes the array before starting us and never writes to it
            // again; nothing else knows its name.
            let rows = unsafe { SharedArray::<Row>::open(&args[2])? };
            report("shared memory", nansum(&rows))
        }
        // ANCHOR_END: shared
        Some("--copy") => {
            let mut rows: Vec<Row> = shmsafe::zeroed_vec(ROWS);
            io::stdin().read_exact(shmsafe::slice_as_bytes_mut(&mut rows))?;
            report("own copy", nansum(&rows))
        }
        Some("--idle") => report("idle", 0.0),
        _ => parent(),
    }
}

// ANCHOR: parent
fn parent() -> Result<(), Box<dyn std::error::Error>> {
    let rows = SharedArray::from_fn(ROWS, row)?;
    println!(
        "{ROWS} records, {} MB, in segment {}",
        rows.len() * size_of::<Row>() / 1_000_000,
        rows.name()
    );
    let me = std::env::current_exe()?;

    let shared = Command::new(&me).args(["--shared", rows.name()]).status()?;
    assert!(shared.success());

    let mut copy = Command::new(&me)
        .arg("--copy")
        .stdin(Stdio::piped())
        .spawn()?;
    copy.stdin
        .take()
        .expect("piped")
        .write_all(shmsafe::slice_as_bytes(&rows))?;
    assert!(copy.wait()?.success());

    let idle = Command::new(&me).arg("--idle").status()?;
    assert!(idle.success());
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: report
/// Prints this process's memory as the kernel accounts it, in MiB.
fn report(what: &str, sum: f64) -> Result<(), Box<dyn std::error::Error>> {
    let rollup = procfs::process::Process::myself()?.smaps_rollup()?;
    let totals = &rollup.memory_map_rollup.0[0].extension.map;
    let mib = |key: &str| totals.get(key).copied().unwrap_or(0) as f64 / (1 << 20) as f64;
    let rss = mib("Rss");
    let pss = mib("Pss");
    let private = mib("Private_Clean") + mib("Private_Dirty");

    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` is valid for writes of a `rusage`.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: `getrusage(RUSAGE_SELF)` cannot fail with a valid pointer, so it filled `usage`.
    let max_rss = unsafe { usage.assume_init() }.ru_maxrss as f64 / 1024.0; // KiB on Linux

    println!(
        "{what:>13}: sum {sum:>7}  RSS {rss:5.1} MiB  PSS {pss:5.1} MiB  \
         private {private:5.1} MiB  getrusage max RSS {max_rss:5.1} MiB"
    );
    Ok(())
}
// ANCHOR_END: report
