//! Shared mutable state between processes, the one sanctioned way: atomic fields, opened
//! explicitly read-write. Three worker processes (this program again, with `--work NAME`) each
//! add to the same counters 100,000 times; no update is lost.
//!
//! ```text
//! cargo run --example shared_counter
//! ```

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use shmsafe::{SharedArray, ShmSafe};

const WORKERS: u64 = 3;
const ADDS: u64 = 100_000;

// ANCHOR: record
#[derive(ShmSafe, Debug)]
#[repr(C)]
struct Counters {
    hits: AtomicU64,
    bytes: AtomicU64,
    workers: u64, // plain fields are fixed once the array is published
}
// ANCHOR_END: record

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("--work"), Some(name)) => work(name),
        _ => parent(),
    }
}

// ANCHOR: parent
fn parent() -> Result<(), Box<dyn std::error::Error>> {
    let counters = SharedArray::from_fn(1, |_| Counters {
        hits: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        workers: WORKERS,
    })?;
    let me = std::env::current_exe()?;
    let mut children = Vec::new();
    for _ in 0..WORKERS {
        children.push(
            Command::new(&me)
                .args(["--work", counters.name()])
                .spawn()?,
        );
    }
    for mut child in children {
        assert!(child.wait()?.success());
    }
    let hits = counters[0].hits.load(Ordering::Relaxed);
    let bytes = counters[0].bytes.load(Ordering::Relaxed);
    println!("{WORKERS} processes added {ADDS} hits each: hits = {hits}, bytes = {bytes}");
    println!(
        "expected hits = {}, bytes = {}",
        WORKERS * ADDS,
        WORKERS * ADDS * 10
    );
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: work
fn work(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: no process writes the non-atomic field `workers` after publishing, and no one
    // shrinks the segment.
    let counters = unsafe { SharedArray::<Counters>::open_read_write(name)? };
    let c = &counters[0];
    for _ in 0..ADDS {
        c.hits.fetch_add(1, Ordering::Relaxed);
        c.bytes.fetch_add(10, Ordering::Relaxed);
    }
    Ok(())
}
// ANCHOR_END: work
