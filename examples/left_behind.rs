//! What a killed creator leaves behind, and how to clean it up.
//!
//! The creator of a `SharedArray` removes its segment when the array is dropped, panics
//! included. A process killed by a signal runs no code at all, so its segment stays in
//! `/dev/shm`. Here a child process (this program again, with `--create`) makes an array, prints
//! its name and waits; the parent kills it with `SIGKILL`, finds the segment still there, reads
//! it, and removes it with `shmsafe::remove`. A second child is killed before it publishes.
//!
//! ```text
//! cargo run --example left_behind
//! ```

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use shmsafe::SharedArray;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--create") => child(true),
        Some("--create-unpublished") => child(false),
        _ => parent(),
    }
}

/// Creates an array, prints its name, and waits to be killed.
fn child(publish: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut writer = SharedArray::<u64>::writer(1_000)?;
    writer.fill_parallel(1, |i| i as u64);
    let name = writer.name().to_owned();
    // Keep the array (or the unpublished writer) alive until we are killed.
    let _alive = if publish {
        Ok(writer.publish())
    } else {
        Err(writer)
    };
    println!("{name}");
    std::thread::sleep(std::time::Duration::from_secs(60));
    Ok(())
}

// ANCHOR: parent
fn parent() -> Result<(), Box<dyn std::error::Error>> {
    let (pid, name) = start_and_kill("--create")?;
    let _cleanup = Remove(name.clone());
    let path = format!("/dev/shm/{name}");
    println!(
        "creator {pid} was killed; {path} exists: {}",
        Path::new(&path).exists()
    );

    // The records outlive their creator: anyone may still open and read them.
    // SAFETY: the creator published the array and is dead; nothing writes to it.
    let rows = unsafe { SharedArray::<u64>::open(&name)? };
    println!(
        "opened it anyway: {} records, sum {}",
        rows.len(),
        rows.iter().sum::<u64>()
    );
    drop(rows);

    shmsafe::remove(&name)?;
    println!(
        "after shmsafe::remove: {path} exists: {}",
        Path::new(&path).exists()
    );
    if let Err(e) = shmsafe::remove(&name) {
        println!("removing it again: {e}");
    }

    // A creator killed before it published leaves a segment no one can open.
    let (_, name) = start_and_kill("--create-unpublished")?;
    let _cleanup = Remove(name.clone());
    // SAFETY: nothing writes to the segment.
    if let Err(e) = unsafe { SharedArray::<u64>::open(&name) } {
        println!("opening the unpublished one: {e}");
    }
    shmsafe::remove(&name)?;
    Ok(())
}
// ANCHOR_END: parent

/// Starts a creator, reads the segment name it prints, and kills it with SIGKILL.
fn start_and_kill(role: &str) -> Result<(u32, String), Box<dyn std::error::Error>> {
    let mut creator = Command::new(std::env::current_exe()?)
        .arg(role)
        .stdout(Stdio::piped())
        .spawn()?;
    let mut name = String::new();
    BufReader::new(creator.stdout.take().expect("piped")).read_line(&mut name)?;
    creator.kill()?; // SIGKILL: no destructor runs, nothing is cleaned up
    creator.wait()?;
    Ok((creator.id(), name.trim().to_owned()))
}

/// Removes a segment when dropped, in case this program fails half-way.
struct Remove(String);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = shmsafe::remove(&self.0);
    }
}
