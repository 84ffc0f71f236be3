//! Live updates: one publisher replaces a million records many times a second, several reader
//! processes sum every snapshot they see, zero-copy and without `unsafe`.
//!
//! The parent is the publisher. It starts `--readers` copies of this program as readers, which
//! open its handle, wait for each new snapshot with `wait_newer`, check that every record in it
//! belongs to its generation, and sum it. After `--seconds` the publisher drops its
//! `Publisher`; each reader then gets `Error::PublisherGone`, reports, and exits.
//!
//! ```text
//! cargo run --release --example live_updates
//! cargo run --release --example live_updates -- --records 100000 --seconds 3 --json
//! ```
//!
//! Latency is from the call of `publish` in the publisher (or, if the reader was still busy
//! summing the previous snapshot then, from its call of `wait_newer`) to the return of
//! `wait_newer` in the reader (both read `CLOCK_REALTIME`): the futex wake-up, then opening and
//! mapping the new snapshot. (The reader releases the snapshot before it the next time it has
//! nothing to do, just before it sleeps again.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shmsafe::{Error, Publisher, SealedArray, ShmSafe, Subscriber};

/// One record: a price, say, stamped with the generation of the snapshot it belongs to.
// ANCHOR: record
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Price {
    generation: u64,
    id: u64,
    bid: f64,
    ask: f64,
}
// ANCHOR_END: record

#[derive(Parser)]
#[command(about = "One publisher, several reader processes, a million records many times a second")]
struct Args {
    /// Records in each snapshot.
    #[arg(long, default_value_t = 1_000_000)]
    records: usize,
    /// How long the publisher publishes, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Reader processes.
    #[arg(long, default_value_t = 3)]
    readers: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Internal: run as a reader of this publisher handle.
    #[arg(long, hide = true)]
    reader: Option<String>,
}

/// What a reader reports when the publisher is gone.
#[derive(Serialize, Deserialize)]
struct ReaderReport {
    /// (generation, when `wait_newer` was called, when it returned it), in nanoseconds since
    /// the epoch.
    seen: Vec<(u64, u128, u128)>,
    /// Milliseconds to check and sum each snapshot.
    sum_ms: Vec<f64>,
    /// The last sum, so that the work cannot be optimised away.
    last_sum: f64,
    /// From `/proc/self/smaps_rollup` just before the end, in MiB: resident, proportional.
    rss_mib: f64,
    pss_mib: f64,
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos()
}

fn smaps_mib(field: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

// ANCHOR: reader
fn reader(handle: &str) -> Result<(), Error> {
    let subscriber = Subscriber::<Price>::open(handle)?;
    let mut report = ReaderReport {
        seen: Vec::new(),
        sum_ms: Vec::new(),
        last_sum: 0.0,
        rss_mib: 0.0,
        pss_mib: 0.0,
    };
    let mut last = 0;
    loop {
        let called = now_ns();
        let snapshot = match subscriber.wait_newer(last, Duration::from_secs(10)) {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) => continue,
            Err(Error::PublisherGone { .. }) => break,
            Err(e) => return Err(e),
        };
        report.seen.push((snapshot.generation(), called, now_ns()));
        let start = Instant::now();
        // `snapshot` derefs to `&[Price]`: the publisher's pages, mapped read-only.
        let g = snapshot.generation();
        let mut sum = 0.0;
        for price in snapshot.iter() {
            assert_eq!(price.generation, g, "a record of another generation");
            sum += price.ask - price.bid;
        }
        report.sum_ms.push(start.elapsed().as_secs_f64() * 1e3);
        report.last_sum = sum;
        last = g;
        report.rss_mib = smaps_mib("Rss:");
        report.pss_mib = smaps_mib("Pss:");
    }
    println!("{}", serde_json::to_string(&report).expect("serialisable"));
    Ok(())
}
// ANCHOR_END: reader

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if let Some(handle) = &args.reader {
        return Ok(reader(handle)?);
    }

    // ANCHOR: publisher
    let mut publisher = Publisher::<Price>::new()?;
    let me = std::env::current_exe()?;
    let readers: Vec<_> = (0..args.readers)
        .map(|_| {
            Command::new(&me)
                .args(["--reader", publisher.handle()])
                .stdout(Stdio::piped())
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    // Let the readers start and open the handle before the clock runs.
    std::thread::sleep(Duration::from_millis(300));

    let mut published_at = Vec::new();
    let (mut build, mut publish) = (Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < args.seconds {
        let g = publisher.generation() + 1;
        let t0 = Instant::now();
        let snapshot = SealedArray::from_fn_parallel(args.records, |i| Price {
            generation: g,
            id: i as u64,
            bid: 100.0 + (i % 100) as f64 + g as f64 * 1e-3,
            ask: 100.5 + (i % 100) as f64 + g as f64 * 1e-3,
        })?;
        let t1 = Instant::now();
        published_at.push(now_ns());
        publisher.publish(snapshot)?;
        let t2 = Instant::now();
        build += t1 - t0;
        publish += t2 - t1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let publisher_rss = smaps_mib("Rss:");
    let publisher_pss = smaps_mib("Pss:");
    drop(publisher); // every reader now gets Error::PublisherGone
    // ANCHOR_END: publisher

    let mut latencies_us = Vec::new();
    let mut sums_ms = Vec::new();
    let mut reader_rows = Vec::new();
    for mut child in readers {
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("a reader failed: {status}").into());
        }
        let report: ReaderReport = serde_json::from_str(&line)?;
        for &(g, called, got) in &report.seen {
            // From the publish, or from the call if the reader was still busy with the
            // previous snapshot when it came.
            let from = published_at[g as usize - 1].max(called);
            latencies_us.push(got.saturating_sub(from) as f64 / 1e3);
        }
        sums_ms.extend(&report.sum_ms);
        reader_rows.push((report.seen.len(), report.rss_mib, report.pss_mib));
    }
    latencies_us.sort_by(f64::total_cmp);
    sums_ms.sort_by(f64::total_cmp);

    let n = published_at.len();
    let snapshot_mib = (args.records * size_of::<Price>()) as f64 / (1024.0 * 1024.0);
    let summary = serde_json::json!({
        "records": args.records,
        "snapshot_mib": snapshot_mib,
        "publishes": n,
        "publishes_per_s": n as f64 / elapsed,
        "build_ms_mean": build.as_secs_f64() * 1e3 / n as f64,
        "publish_us_mean": publish.as_secs_f64() * 1e6 / n as f64,
        "latency_us_p50": percentile(&latencies_us, 0.5),
        "latency_us_p99": percentile(&latencies_us, 0.99),
        "latency_us_max": percentile(&latencies_us, 1.0),
        "sum_ms_p50": percentile(&sums_ms, 0.5),
        "readers": reader_rows.iter().map(|&(seen, rss, pss)| serde_json::json!({
            "snapshots_seen": seen, "rss_mib": rss, "pss_mib": pss,
        })).collect::<Vec<_>>(),
        "publisher_rss_mib": publisher_rss,
        "publisher_pss_mib": publisher_pss,
    });
    if args.json {
        println!("{summary:#}");
        return Ok(());
    }
    println!(
        "{} records ({snapshot_mib:.1} MiB) per snapshot, {} reader processes, {:.1} s",
        args.records, args.readers, elapsed
    );
    println!();
    println!("publisher");
    println!(
        "  publishes                {n} ({:.1}/s)",
        n as f64 / elapsed
    );
    println!(
        "  build a snapshot         {:.2} ms (fill and seal a new memfd)",
        build.as_secs_f64() * 1e3 / n as f64
    );
    println!(
        "  publish it               {:.1} µs (control record, futex wake)",
        publish.as_secs_f64() * 1e6 / n as f64
    );
    println!("  memory                   RSS {publisher_rss:.1} MiB, PSS {publisher_pss:.1} MiB");
    println!();
    println!("readers (publish, or wait_newer if later -> wait_newer returned it, mapped)");
    println!(
        "  latency                  p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        percentile(&latencies_us, 0.5),
        percentile(&latencies_us, 0.99),
        percentile(&latencies_us, 1.0)
    );
    println!(
        "  check + sum a snapshot   p50 {:.2} ms",
        percentile(&sums_ms, 0.5)
    );
    for (i, (seen, rss, pss)) in reader_rows.iter().enumerate() {
        println!(
            "  reader {i}                 saw {seen} of {n} snapshots, RSS {rss:.1} MiB, PSS {pss:.1} MiB"
        );
    }
    Ok(())
}
