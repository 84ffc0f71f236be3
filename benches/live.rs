//! Live updates side by side with `mmap-sync` (Cloudflare), the field's answer: the same data,
//! on the same machine, in one run.
//!
//! Both start from the same `Vec` of one million 32-byte records (30.5 MiB) and make it the
//! newest data for readers:
//!
//! - shmsafe: `Publisher::publish_slice` (the records `pwrite`n into a new memfd, sealed,
//!   published), or `SealedArray::from_slice` (filled through a mapping) then
//!   `Publisher::publish`, alternately; a reader's `Subscriber::latest` opens and maps the new
//!   snapshot; no `unsafe` anywhere.
//! - mmap-sync: `Synchronizer::write` (rkyv-serialises into the next of its two data files in
//!   `/dev/shm`, then switches the version); a reader's `unsafe { Synchronizer::read }`.
//!
//! Measured, each the median of `ROUNDS` rounds: the time to publish; the time for a reader to
//! get the newest data after a publish; the time to sum it (the reader touching every record);
//! the time to poll when nothing changed; and the shared memory in use at the end.
//!
//! ```text
//! cargo bench --bench live
//! ```

use std::hint::black_box;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use mmap_sync::synchronizer::Synchronizer;
use shmsafe::{Publisher, SealedArray, Subscriber};

const RECORDS: usize = 1_000_000;
const ROUNDS: usize = 30;
const POLLS: u32 = 100_000;

type Record = [u64; 4];

fn records(round: usize) -> Vec<Record> {
    (0..RECORDS)
        .map(|i| {
            let i = i as u64;
            [round as u64, i, i * 3, i ^ 0x5555]
        })
        .collect()
}

fn sum(records: &[Record]) -> u64 {
    records
        .iter()
        .fold(0_u64, |s, r| s.wrapping_add(r[0] + r[1] + r[2] + r[3]))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Removes mmap-sync's files when dropped, also on panic.
struct Files(String);

impl Files {
    fn paths(&self) -> Vec<String> {
        ["_state", "_data_0", "_data_1"]
            .iter()
            .map(|suffix| format!("{}{suffix}", self.0))
            .collect()
    }

    /// Bytes of memory the files take (allocated blocks, not their apparent size).
    fn bytes(&self) -> u64 {
        self.paths()
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.blocks() * 512)
            .sum()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        for path in self.paths() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Bytes of the memfds this process holds (allocated blocks), each file counted once: the
/// publisher's descriptor and the subscriber's of the same snapshot are one file.
fn memfd_bytes() -> u64 {
    let mut files = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let path = entry.unwrap().path();
        let Ok(target) = std::fs::read_link(&path) else {
            continue;
        };
        if target.to_string_lossy().starts_with("/memfd:shmsafe") {
            if let Ok(meta) = std::fs::metadata(&path) {
                files.insert((meta.dev(), meta.ino()), meta.blocks() * 512);
            }
        }
    }
    files.values().sum()
}

struct Figures {
    /// shmsafe only: `Publisher::publish_slice` (zero if not measured).
    publish_slice: Duration,
    publish: Duration,
    newest: Duration,
    scan: Duration,
    poll: Duration,
    memory: u64,
}

fn shmsafe_side() -> Figures {
    let mut publisher = Publisher::<Record>::new().unwrap();
    let subscriber = Subscriber::<Record>::open(publisher.handle()).unwrap();
    let (mut publish, mut newest, mut scan) = (Vec::new(), Vec::new(), Vec::new());
    let mut publish_slice = Vec::new();
    for round in 1..=ROUNDS {
        let data = records(round);
        // A polling reader between updates: nothing new (this releases what it no longer
        // needs, as a reader's idle moments do).
        assert_eq!(
            subscriber.latest().unwrap().map(|s| s.generation()),
            (round > 1).then(|| round as u64 - 1)
        );
        // Every other round each way: both see the same mix of what the other left behind.
        let t = Instant::now();
        if round % 2 == 0 {
            publisher
                .publish(SealedArray::from_slice(&data).unwrap())
                .unwrap();
            publish.push(t.elapsed());
        } else {
            publisher.publish_slice(&data).unwrap();
            publish_slice.push(t.elapsed());
        }

        let t = Instant::now();
        let snapshot = subscriber.latest().unwrap().unwrap();
        newest.push(t.elapsed());
        assert_eq!(snapshot.generation(), round as u64);

        let t = Instant::now();
        let s = black_box(sum(&snapshot));
        scan.push(t.elapsed());
        assert_eq!(s, sum(&data));
    }
    let t = Instant::now();
    for _ in 0..POLLS {
        black_box(subscriber.latest().unwrap());
    }
    let poll = t.elapsed() / POLLS;
    Figures {
        publish_slice: median(publish_slice),
        publish: median(publish),
        newest: median(newest),
        scan: median(scan),
        poll,
        memory: memfd_bytes(),
    }
}

fn mmap_sync_side() -> Figures {
    let files = Files(format!(
        "/dev/shm/shmsafe_bench_mmap_sync_{}",
        std::process::id()
    ));
    let mut writer = Synchronizer::new(files.0.as_ref());
    let mut reader = Synchronizer::new(files.0.as_ref());
    let (mut publish, mut newest, mut scan) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let data = records(round);
        let t = Instant::now();
        writer.write(&data, Duration::from_secs(1)).unwrap();
        publish.push(t.elapsed());

        let t = Instant::now();
        // SAFETY: the writer (this thread) does not write again until this result is dropped,
        // well within the one-second grace period.
        let newest_data = unsafe { reader.read::<Vec<Record>>(false) }.unwrap();
        newest.push(t.elapsed());

        let t = Instant::now();
        let s = black_box(sum(&newest_data));
        scan.push(t.elapsed());
        assert_eq!(s, sum(&data));
    }
    let t = Instant::now();
    for _ in 0..POLLS {
        // SAFETY: as above; each result is dropped at once.
        black_box(unsafe { reader.read::<Vec<Record>>(false) }.unwrap().len());
    }
    let poll = t.elapsed() / POLLS;
    Figures {
        publish_slice: Duration::ZERO,
        publish: median(publish),
        newest: median(newest),
        scan: median(scan),
        poll,
        memory: files.bytes(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let mib = (RECORDS * size_of::<Record>()) as f64 / (1024.0 * 1024.0);
    println!(
        "{RECORDS} records of {} bytes ({mib:.1} MiB) per update, median of {ROUNDS} rounds",
        size_of::<Record>()
    );
    let ours = shmsafe_side();
    let theirs = mmap_sync_side();
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let us = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    let ns = |d: Duration| format!("{} ns", d.as_nanos());
    let mb = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    println!();
    println!("{:<40} {:>14} {:>14}", "", "shmsafe", "mmap-sync");
    let row = |what: &str, a: String, b: String| println!("{what:<40} {a:>14} {b:>14}");
    row(
        "publish: publish_slice / write",
        ms(ours.publish_slice),
        ms(theirs.publish),
    );
    row(
        "publish: from_slice + publish / write",
        ms(ours.publish),
        ms(theirs.publish),
    );
    row(
        "reader gets the newest data",
        us(ours.newest),
        us(theirs.newest),
    );
    row("reader sums every record", ms(ours.scan), ms(theirs.scan));
    row("poll when nothing changed", ns(ours.poll), ns(theirs.poll));
    row(
        "shared memory in use after",
        mb(ours.memory),
        mb(theirs.memory),
    );
    row("`unsafe` at the reader", "no".into(), "yes".into());
    println!();
    println!(
        "publish_slice: {:.2}x mmap-sync's write; from_slice + publish: {:.2}x",
        ours.publish_slice.as_secs_f64() / theirs.publish.as_secs_f64(),
        ours.publish.as_secs_f64() / theirs.publish.as_secs_f64()
    );
}
