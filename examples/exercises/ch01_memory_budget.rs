//! Chapter 1: how many copying workers fit in the blog's laptop?

// ANCHOR: solution
/// Total memory of the parent and `workers` processes, in MB, for `data_mb` of records.
fn total_mb(data_mb: u64, workers: u64, copying: bool) -> u64 {
    if copying {
        data_mb * (1 + workers) // the parent's array, and one copy per worker
    } else {
        data_mb // one shared copy, whatever the number of workers
    }
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (data_mb, ram_mb) = (240, 8_000);
    for workers in [1, 2, 4, 8] {
        println!(
            "workers {workers}: copying {:>5} MB, shared memory {} MB",
            total_mb(data_mb, workers, true),
            total_mb(data_mb, workers, false)
        );
    }
    let too_many = (1..)
        .find(|&w| total_mb(data_mb, w, true) > ram_mb)
        .expect("some number of workers is too many");
    println!("copying needs more than {ram_mb} MB from {too_many} workers on");
    Ok(())
}
// ANCHOR_END: solution
