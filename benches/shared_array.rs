//! What a `SharedArray` costs against the floors: filling it (and a `SealedArray`) vs filling a
//! `Vec` the same way, and a fresh process's open + scan vs a scan of an already-touched local
//! slice.
//!
//! ```text
//! cargo bench --bench shared_array              # 10,000,000 records of 24 bytes, 7 rounds
//! cargo bench --bench shared_array -- 1000000 3 # records, rounds
//! ```
//!
//! Every figure is the median of the rounds, each round measuring the methods side by side in
//! the same order. Workers are real processes: this binary re-executed with `--worker NAME`.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use shmsafe::{SealedArray, SharedArray};

// The seed's record, its data and the nansum, shared with the examples, the tests and the book.
#[path = "../examples/seed/mod.rs"]
mod seed;
use seed::{Row, nansum, row};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--worker") {
        worker(&args[i + 1]);
        return;
    }
    // `cargo bench` passes `--bench`; the numbers are ours.
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let len = numbers.first().copied().unwrap_or(10_000_000);
    let rounds = numbers.get(1).copied().unwrap_or(7).max(1);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!(
        "{len} records of {} bytes ({:.1} MB), median of {rounds} rounds, {cpus} CPUs",
        size_of::<Row>(),
        (len * size_of::<Row>()) as f64 / 1e6
    );
    let mut thread_counts = vec![1];
    if cpus > 1 {
        thread_counts.push(cpus);
    }
    for threads in thread_counts {
        let (mut vec_fill, mut shm_fill, mut sealed_fill) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let start = Instant::now();
            let mut v: Vec<Row> = shmsafe::zeroed_vec(len);
            shmsafe::fill_parallel(&mut v, threads, row);
            vec_fill.push(start.elapsed());
            drop(black_box(v));

            let start = Instant::now();
            let mut writer = SharedArray::<Row>::writer(len).expect("create a segment");
            writer.fill_parallel(threads, row);
            let array = writer.publish();
            shm_fill.push(start.elapsed());
            drop(black_box(array));

            let start = Instant::now();
            let mut writer = SealedArray::<Row>::writer(len).expect("create a memfd");
            writer.fill_parallel(threads, row);
            let array = writer.seal().expect("seal the memfd");
            sealed_fill.push(start.elapsed());
            drop(black_box(array));
        }
        let (v, s, l) = (
            median(&mut vec_fill),
            median(&mut shm_fill),
            median(&mut sealed_fill),
        );
        println!(
            "fill, {threads} thread(s): Vec {:>7.1} ms   SharedArray {:>7.1} ms   ratio {:.2}x (goal <= 1.7x)   SealedArray {:>7.1} ms   ratio {:.2}x",
            ms(v),
            ms(s),
            s.as_secs_f64() / v.as_secs_f64(),
            ms(l),
            l.as_secs_f64() / v.as_secs_f64()
        );
    }

    let array = SharedArray::from_fn_parallel(len, row).expect("create a segment");
    let local: Vec<Row> = array.to_vec();
    let exe = std::env::current_exe().expect("the bench's own path");
    let (mut warm, mut worker_total, mut worker_open) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        let sum = nansum(black_box(&local));
        warm.push(start.elapsed());
        assert_eq!(sum, len.div_ceil(2) as f64);

        let out = Command::new(&exe)
            .args(["--worker", array.name()])
            .output()
            .expect("start a worker");
        assert!(out.status.success(), "worker failed: {out:?}");
        let report = String::from_utf8_lossy(&out.stdout);
        let mut fields = report.split_whitespace().map(|f| f.parse::<f64>().unwrap());
        let (open_s, scan_s, sum) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        assert_eq!(sum, len.div_ceil(2) as f64);
        worker_open.push(Duration::from_secs_f64(open_s));
        worker_total.push(Duration::from_secs_f64(open_s + scan_s));
    }
    let (w, t, o) = (
        median(&mut warm),
        median(&mut worker_total),
        median(&mut worker_open),
    );
    println!(
        "scan: warm local slice {:>7.1} ms   worker open + scan {:>7.1} ms (open {:.2} ms)   ratio {:.2}x (goal <= 2x)",
        ms(w),
        ms(t),
        ms(o),
        t.as_secs_f64() / w.as_secs_f64()
    );
}

/// Opens the array by name, scans it, prints `open_s scan_s nansum`.
fn worker(name: &str) {
    let start = Instant::now();
    // SAFETY: the bench's parent does not write to the array while workers run.
    let rows = unsafe { SharedArray::<Row>::open(name) }.expect("open the array");
    let opened = start.elapsed();
    let start = Instant::now();
    let sum = nansum(&rows);
    let scanned = start.elapsed();
    println!("{} {} {sum}", opened.as_secs_f64(), scanned.as_secs_f64());
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
