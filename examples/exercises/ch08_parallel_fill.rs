//! Chapter 8: fill an array on every core, and check it against the one-thread fill.

use std::time::Instant;

use shmsafe::SharedArray;

// ANCHOR: solution
/// Some work per record, so that more threads have something to share.
fn value(i: usize) -> u64 {
    (0..16).fold(i as u64, |h, _| {
        h.wrapping_mul(6364136223846793005).wrapping_add(1)
    })
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    const LEN: usize = 1_000_000;
    let start = Instant::now();
    let one = SharedArray::from_fn(LEN, value)?;
    let one_thread = start.elapsed();
    let start = Instant::now();
    let all = SharedArray::from_fn_parallel(LEN, value)?;
    let every_core = start.elapsed();
    println!(
        "from_fn and from_fn_parallel wrote the same {LEN} records: {}",
        one[..] == all[..]
    );
    println!(
        "one thread {:.1} ms, {} threads {:.1} ms (timings vary from run to run)",
        one_thread.as_secs_f64() * 1e3,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        every_core.as_secs_f64() * 1e3
    );
    Ok(())
}
// ANCHOR_END: solution
