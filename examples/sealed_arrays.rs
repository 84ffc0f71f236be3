//! Why `SharedArray::open` is `unsafe` and `SealedArray::open` is not, shown with real processes.
//!
//! First a named segment: a reader opens it, another process of the same user shrinks the file,
//! and the reader dies of `SIGBUS` on its next read. Then the same records in a sealed memfd: the
//! same attacks are refused by the kernel, and the reader reads on.
//!
//! ```text
//! cargo run --example sealed_arrays
//! ```

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};

use shmsafe::{SealedArray, SharedArray};

#[path = "seed/mod.rs"]
mod seed;
use seed::{Row, nansum, row};

const ROWS: usize = 1_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("--read-named"), Some(name)) => read_named(name),
        (Some("--read-sealed"), Some(handle)) => read_sealed(handle),
        _ => parent(),
    }
}

fn parent() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: named
    let named = SharedArray::from_fn_parallel(ROWS, row)?;
    let mut reader = start("--read-named", named.name())?;
    println!("{}", report(&mut reader)?);
    // Another process of the same user may open the file read-write and shrink it.
    OpenOptions::new()
        .write(true)
        .open(format!("/dev/shm/{}", named.name()))?
        .set_len(4096)?;
    println!("attacker: shrank /dev/shm/{} to 4096 bytes", named.name());
    let status = finish(reader)?;
    println!(
        "reader of the named segment: {}",
        match status.signal() {
            Some(7) => "killed by SIGBUS on its next read".to_owned(),
            _ => format!("ended with {status}"),
        }
    );
    // ANCHOR_END: named

    // ANCHOR: sealed
    let sealed = SealedArray::from_fn_parallel(ROWS, row)?;
    let mut reader = start("--read-sealed", sealed.handle())?;
    println!("{}", report(&mut reader)?);
    // The same attacks, through the path the handle names.
    let (path, _nonce) = sealed
        .handle()
        .split_once('#')
        .expect("a handle has a nonce");
    let file = OpenOptions::new().write(true).open(path)?;
    for (what, result) in [
        ("shrinking it", file.set_len(4096)),
        ("growing it", file.set_len(1 << 30)),
        ("writing to it", file.write_all_at(&[0xff; 64], 4096)),
    ] {
        let outcome = match result {
            Ok(()) => "ALLOWED".to_owned(),
            Err(e) => format!("refused ({e})"),
        };
        println!("attacker: {what}: {outcome}");
    }
    let status = finish(reader)?;
    println!("reader of the sealed array: {status}");
    // ANCHOR_END: sealed
    Ok(())
}

/// The reader of a named segment: opens it, sums it, waits, then reads it again.
fn read_named(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: this is the promise the attacker in `parent` breaks, to show what it costs.
    let rows = unsafe { SharedArray::<Row>::open(name)? };
    read_twice(&rows, "named segment")
}

/// The reader of a sealed array: no `unsafe`, because no process can change it.
fn read_sealed(handle: &str) -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: open
    let rows = SealedArray::<Row>::open(handle)?;
    // ANCHOR_END: open
    read_twice(&rows, "sealed array")
}

fn read_twice(rows: &[Row], what: &str) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "reader (pid {}) of the {what}: {} records, nansum of val = {}",
        std::process::id(),
        rows.len(),
        nansum(rows)
    );
    std::io::stdout().flush()?;
    // Wait for the parent's attack.
    std::io::stdin().lines().next();
    println!(
        "reader of the {what}: read it again: nansum of val = {}",
        nansum(rows)
    );
    Ok(())
}

/// Starts this program as a reader.
fn start(role: &str, arg: &str) -> std::io::Result<Child> {
    Command::new(std::env::current_exe()?)
        .args([role, arg])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
}

/// The reader's first line.
fn report(reader: &mut Child) -> std::io::Result<String> {
    let mut line = String::new();
    BufReader::new(reader.stdout.as_mut().expect("piped")).read_line(&mut line)?;
    Ok(line.trim_end().to_owned())
}

/// Lets the reader read again, prints what it printed, and returns how it ended.
fn finish(mut reader: Child) -> std::io::Result<std::process::ExitStatus> {
    drop(reader.stdin.take());
    let mut rest = String::new();
    std::io::Read::read_to_string(reader.stdout.as_mut().expect("piped"), &mut rest)?;
    print!("{rest}");
    reader.wait()
}
