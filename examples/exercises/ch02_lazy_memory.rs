//! Chapter 2: memory is private to a process only once it is touched.

// ANCHOR: solution
/// This process's private memory (USS) in MiB, read from /proc/self/smaps_rollup.
fn private_mib() -> Result<f64, Box<dyn std::error::Error>> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup")?;
    let mut kib = 0;
    for line in rollup.lines() {
        let mut parts = line.split_whitespace();
        if let (Some("Private_Clean:" | "Private_Dirty:"), Some(value)) =
            (parts.next(), parts.next())
        {
            kib += value.parse::<u64>()?;
        }
    }
    Ok(kib as f64 / 1024.0)
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    const SIZE: usize = 64 << 20;
    let before = private_mib()?;
    let mut buffer = vec![0u8; SIZE]; // zeroed pages come from the kernel, untouched
    let allocated = private_mib()?;
    for page in buffer.chunks_mut(4096) {
        page[0] = 1; // the first write to each page makes it this process's own
    }
    let written = private_mib()?;
    println!(
        "after vec![0u8; 64 MiB]:  private memory +{:.0} MiB",
        // Never "-0": the allocator may give back a few pages meanwhile.
        (allocated - before).max(0.0)
    );
    println!(
        "after writing every page: private memory +{:.0} MiB",
        (written - before).max(0.0)
    );
    println!(
        "(the buffer holds {} ones)",
        buffer.iter().filter(|&&b| b == 1).count()
    );
    Ok(())
}
// ANCHOR_END: solution
