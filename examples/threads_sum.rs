//! Threads share their process's memory: scoped threads sum one slice of records in parallel,
//! with no copy. This is what Rust can do without processes.
//!
//! ```text
//! cargo run --example threads_sum
//! ```

#[path = "seed/mod.rs"]
mod seed;
use seed::Row;

// ANCHOR: scan
/// Each thread sums its own chunk of the same slice; nothing is copied.
fn nansum_with_threads(rows: &[Row], threads: usize) -> f64 {
    let chunk = rows.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|r| r.val)
                        .filter(|v| !v.is_nan())
                        .sum::<f64>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a summing thread panicked"))
            .sum()
    })
}
// ANCHOR_END: scan

fn main() {
    let rows: Vec<Row> = (0..1_000_000).map(seed::row).collect();
    let sum = nansum_with_threads(&rows, 2);
    println!("2 threads summed {} records: nansum = {sum}", rows.len());
}
