//! One process creates a `SharedArray` of the seed's records; another opens it by name and
//! reports what it read. The other process is this program again, started with `--open NAME`.
//!
//! ```text
//! cargo run --example open_by_name
//! ```

use std::process::Command;

use shmsafe::SharedArray;

#[path = "seed/mod.rs"]
mod seed;
use seed::{Row, row};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("--open"), Some(name)) => open(name),
        _ => create(),
    }
}

// ANCHOR: create
fn create() -> Result<(), Box<dyn std::error::Error>> {
    // A segment of 1,000 zeroed records, which no other process can open yet.
    let mut writer = SharedArray::<Row>::writer(1_000)?;
    // Fill it in place, from two threads.
    writer.fill_parallel(2, row);
    // Mark it ready. From now on it is read-only, and others may open it.
    let rows = writer.publish();
    println!(
        "creator (pid {}): {} records in {}",
        std::process::id(),
        rows.len(),
        rows.name()
    );
    println!(
        "creator: bytes 0..{} hold the header and the layout, bytes {}..{} the records",
        rows.data_offset(),
        rows.data_offset(),
        rows.segment_len()
    );

    let status = Command::new(std::env::current_exe()?)
        .args(["--open", rows.name()])
        .status()?;
    assert!(status.success(), "the reader failed: {status}");

    let path = format!("/dev/shm/{}", rows.name());
    drop(rows); // the creator owns the segment: dropping it removes the name
    println!(
        "creator: after drop, {path} exists: {}",
        std::path::Path::new(&path).exists()
    );
    Ok(())
}
// ANCHOR_END: create

// ANCHOR: open
fn open(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: the creator published the array before starting us and never writes to it again.
    let rows = unsafe { SharedArray::<Row>::open(name)? };
    let sum: f64 = rows.iter().map(|r| r.val).filter(|v| !v.is_nan()).sum();
    println!(
        "reader  (pid {}): {} records, nansum of val = {sum}",
        std::process::id(),
        rows.len()
    );
    println!("reader: first {:?}", rows[0]);
    println!("reader: last  {:?}", rows[rows.len() - 1]);
    // ANCHOR_END: open

    // ANCHOR: mapping
    // How the kernel mapped the segment into this process: `r--s` is read-only and shared.
    let maps = procfs::process::Process::myself()?.maps()?;
    for map in maps.iter() {
        if let procfs::process::MMapPath::Path(path) = &map.pathname {
            if path.ends_with(name) {
                println!(
                    "reader: mapped {} as {}",
                    path.display(),
                    map.perms.as_str()
                );
            }
        }
    }
    // ANCHOR_END: mapping
    Ok(())
}
