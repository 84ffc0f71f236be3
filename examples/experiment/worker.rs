//! The worker role: this same program, started by the experiment with `__worker` as its first
//! argument. It gets the records (opens the segment, or reads the copy from stdin), scans them,
//! measures itself and prints its one-line report.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shmsafe::{SealedArray, SharedArray};

use crate::{Fault, Row, nansum};

/// The first argument that selects the worker role.
pub const ROLE: &str = "__worker";

/// The worker's one line of JSON on stdout: the contract with the parent, which the Python worker
/// follows too (see the example's documentation).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WorkerReport {
    /// The worker's index.
    pub worker: usize,
    /// The sum of `val`, NaNs skipped (`null` in JSON when it is not finite, as the Python worker
    /// writes it).
    #[serde(deserialize_with = "null_as_nan")]
    pub nansum: f64,
    /// Seconds to open the segment or receive the copy.
    pub attach_s: f64,
    /// Seconds to compute the nansum.
    pub scan_s: f64,
    /// `Private_Clean + Private_Dirty`, bytes.
    pub private_bytes: u64,
    /// `Pss`, bytes.
    pub pss_bytes: u64,
    /// `Rss`, bytes.
    pub rss_bytes: u64,
}

fn null_as_nan<'de, D: serde::Deserializer<'de>>(value: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(value)?.unwrap_or(f64::NAN))
}

/// The worker role's command line (the parent writes it; people do not).
#[derive(Parser, Debug)]
#[command(
    name = "experiment __worker",
    about = "A worker of the experiment, started by it."
)]
enum WorkerCli {
    /// Open the `SharedArray` NAME and scan it.
    Shm {
        #[arg(long)]
        index: usize,
        #[arg(long)]
        name: String,
        #[arg(long)]
        fault: Option<Fault>,
    },
    /// Open the `SealedArray` HANDLE and scan it.
    Sealed {
        #[arg(long)]
        index: usize,
        #[arg(long)]
        handle: String,
        #[arg(long)]
        fault: Option<Fault>,
    },
    /// Read ROWS records from stdin into a `Vec` and scan it.
    Copy {
        #[arg(long)]
        index: usize,
        #[arg(long)]
        rows: usize,
        #[arg(long)]
        fault: Option<Fault>,
    },
}

/// Runs the worker role and exits: the report on stdout, or an error on stderr.
pub fn main() -> ExitCode {
    let cli = WorkerCli::parse_from(std::env::args_os().skip(1));
    let (WorkerCli::Shm { index, .. }
    | WorkerCli::Sealed { index, .. }
    | WorkerCli::Copy { index, .. }) = cli;
    match work(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker {index}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the report (or misbehaves as asked). Called while the records are still mapped, so
/// that unmapping them (milliseconds for hundreds of MB) comes after the report.
fn deliver(mut report: WorkerReport, fault: Option<Fault>) {
    match fault {
        Some(Fault::Crash) => std::process::abort(),
        Some(Fault::Hang) => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        Some(Fault::Wrong) => report.nansum += 1.0,
        None => {}
    }
    let line = serde_json::to_string(&report).expect("a report is plain numbers");
    println!("{line}");
}

/// Keeps the records mapped until the parent closes our stdin: it measures itself and every
/// worker then, all holding the data at the same moment, so that their memory adds up.
fn wait_for_parent(mut input: impl Read) {
    // The parent sends nothing more; end of file (or an error: the parent is gone) ends the wait.
    let _ = io::copy(&mut input, &mut io::sink());
}

fn work(cli: WorkerCli) -> Result<(), String> {
    let started = Instant::now();
    match cli {
        WorkerCli::Shm { index, name, fault } => {
            // ANCHOR: open
            // SAFETY: the parent published the array before starting us and never writes to it
            // again; it removes the name only after every worker has finished or been killed.
            let rows = unsafe { SharedArray::<Row>::open(&name) }.map_err(|e| e.to_string())?;
            let attach = started.elapsed();
            let scan_start = Instant::now();
            let sum = nansum(&rows);
            let scan = scan_start.elapsed();
            // ANCHOR_END: open
            // Measured while the records are still mapped.
            deliver(measure(index, sum, attach, scan)?, fault);
            wait_for_parent(io::stdin());
            Ok(())
        }
        WorkerCli::Sealed {
            index,
            handle,
            fault,
        } => {
            // ANCHOR: open_sealed
            // No `unsafe`: the kernel guarantees that no process can change the records.
            let rows = SealedArray::<Row>::open(&handle).map_err(|e| e.to_string())?;
            let attach = started.elapsed();
            let scan_start = Instant::now();
            let sum = nansum(&rows);
            let scan = scan_start.elapsed();
            // ANCHOR_END: open_sealed
            deliver(measure(index, sum, attach, scan)?, fault);
            wait_for_parent(io::stdin());
            Ok(())
        }
        WorkerCli::Copy { index, rows, fault } => {
            // ANCHOR: receive
            let mut records: Vec<Row> = shmsafe::zeroed_vec(rows);
            let stdin = io::stdin().as_fd().try_clone_to_owned();
            let mut input = File::from(stdin.map_err(|e| format!("cannot use stdin: {e}"))?);
            input
                .read_exact(shmsafe::slice_as_bytes_mut(&mut records))
                .map_err(|e| {
                    format!(
                        "reading {rows} records ({} bytes) from the parent failed: {e}",
                        rows * size_of::<Row>()
                    )
                })?;
            let attach = started.elapsed();
            let scan_start = Instant::now();
            let sum = nansum(&records);
            let scan = scan_start.elapsed();
            // ANCHOR_END: receive
            deliver(measure(index, sum, attach, scan)?, fault);
            wait_for_parent(input);
            Ok(())
        }
    }
}

fn measure(
    worker: usize,
    nansum: f64,
    attach: Duration,
    scan: Duration,
) -> Result<WorkerReport, String> {
    let memory = Memory::of_this_process()?;
    Ok(WorkerReport {
        worker,
        nansum,
        attach_s: attach.as_secs_f64(),
        scan_s: scan.as_secs_f64(),
        private_bytes: memory.private_bytes,
        pss_bytes: memory.pss_bytes,
        rss_bytes: memory.rss_bytes,
    })
}

/// A process's memory as the kernel counts it, from `/proc/self/smaps_rollup`.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Memory {
    /// Pages mapped by this process only: `Private_Clean + Private_Dirty` (the USS).
    pub private_bytes: u64,
    /// Each resident page divided by the number of processes mapping it.
    pub pss_bytes: u64,
    /// Every resident page.
    pub rss_bytes: u64,
}

impl Memory {
    /// Reads this process's `/proc/self/smaps_rollup`.
    pub fn of_this_process() -> Result<Memory, String> {
        Memory::read(
            procfs::process::Process::myself(),
            "/proc/self/smaps_rollup",
        )
    }

    /// Reads `/proc/<pid>/smaps_rollup` of another process of this user.
    pub fn of_process(pid: u32) -> Result<Memory, String> {
        let path = format!("/proc/{pid}/smaps_rollup");
        Memory::read(procfs::process::Process::new(pid as i32), &path)
    }

    fn read(
        process: procfs::ProcResult<procfs::process::Process>,
        path: &str,
    ) -> Result<Memory, String> {
        let rollup = process
            .and_then(|p| p.smaps_rollup())
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        let map = rollup
            .memory_map_rollup
            .0
            .first()
            .map(|m| &m.extension.map)
            .ok_or_else(|| format!("{path} is empty"))?;
        let get = |key: &str| {
            map.get(key)
                .copied()
                .ok_or_else(|| format!("{path} has no `{key}` line"))
        };
        Ok(Memory {
            private_bytes: get("Private_Clean")? + get("Private_Dirty")?,
            pss_bytes: get("Pss")?,
            rss_bytes: get("Rss")?,
        })
    }
}
