//! Why `shmsafe` owns its OS layer: the popular `shared_memory` crate (0.12.4), measured on
//! this machine next to `shmsafe` doing the same thing.
//!
//! 1. **A reader needs write permission.** The crate opens every segment `O_RDWR` and maps it
//!    writable, so a reader of a read-only (0400) segment gets "permission denied"; `shmsafe`
//!    opens `O_RDONLY` and maps `PROT_READ`. (Root ignores file modes, so as root this part runs
//!    in a child process as user `nobody`.)
//! 2. **fd 0.** A process started with its standard input closed gets descriptor 0 for the
//!    first file it opens. The crate uses 0 to mean "no descriptor": it never removes that
//!    segment, and never closes the descriptor. This program runs itself again with fd 0 closed
//!    (as `prog <&-` would) to show the leftover, then removes it.
//! 3. **A hidden descriptor.** Every open `Shmem` keeps its descriptor, and the crate offers no
//!    way to reach it: no `fstat` (who owns the file, with which mode?), no `fallocate` (reserve
//!    the pages so a full `/dev/shm` is an error, not `SIGBUS`), one descriptor used per open
//!    mapping. `shmsafe` closes its reader's descriptor once the segment is mapped.
//!
//! ```text
//! cargo run --example shared_memory_crate
//! ```
//!
//! Everything it creates is removed before it exits.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use shared_memory::ShmemConf;
use shmsafe::SharedArray;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("--read-only-reader") => read_only_reader(),
        Some("--stdin-closed") => stdin_closed(),
        _ => parent(),
    }
}

fn parent() -> Result<()> {
    println!("1. Reading a read-only (0400) segment");
    if rustix::process::geteuid().is_root() {
        // Root may write any file, whatever its mode: measure as `nobody`.
        println!("   (running as root, which ignores file modes: measured as user nobody)");
        let out = Command::new(std::env::current_exe()?)
            .arg("--read-only-reader")
            .uid(65534)
            .gid(65534)
            .output()?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return Err(format!("the reader as nobody failed: {}", out.status).into());
        }
    } else {
        read_only_reader()?;
    }

    println!();
    println!("2. Creating a segment in a process whose stdin (fd 0) is closed");
    // SAFETY: the closure runs in the child between fork and exec, and only calls `close`,
    // which is async-signal-safe.
    let out = unsafe {
        Command::new(std::env::current_exe()?)
            .arg("--stdin-closed")
            .pre_exec(|| {
                libc::close(0);
                Ok(())
            })
            .output()?
    };
    let report = String::from_utf8_lossy(&out.stdout);
    print!("{report}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!("the child with stdin closed failed: {}", out.status).into());
    }
    let leftover = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("shared_memory created "))
        .and_then(|l| l.split_whitespace().next())
        .ok_or("the child named no shared_memory segment")?
        .trim_start_matches('/')
        .to_owned();
    let path = format!("/dev/shm/{leftover}");
    println!(
        "   after the child exited, {path} exists: {}",
        Path::new(&path).exists()
    );
    if Path::new(&path).exists() {
        match shmsafe::remove(&leftover) {
            Err(e @ shmsafe::Error::NotShmsafe { .. }) => {
                println!("   shmsafe::remove refuses it: {e}")
            }
            other => println!("   shmsafe::remove: {other:?}"),
        }
        shmsafe::remove_any(&leftover)?;
        println!(
            "   shmsafe::remove_any removed it; {path} exists: {}",
            Path::new(&path).exists()
        );
    }

    println!();
    println!("3. Holding 100 opens of one segment");
    let array = SharedArray::from_fn(1000, |i| i as u64)?;
    let before = open_descriptors()?;
    let crate_opens: Vec<_> = (0..100)
        .map(|_| ShmemConf::new().os_id(array.name()).open())
        .collect::<std::result::Result<_, _>>()?;
    let with_crate = open_descriptors()? - before;
    drop(crate_opens);
    let before = open_descriptors()?;
    let shmsafe_opens: Vec<_> = (0..100)
        // SAFETY: nothing writes to the records while they are open.
        .map(|_| unsafe { SharedArray::<u64>::open(array.name()) })
        .collect::<std::result::Result<_, _>>()?;
    let with_shmsafe = open_descriptors()? - before;
    drop(shmsafe_opens);
    println!(
        "   shared_memory: 100 open Shmem hold {with_crate} more file descriptors, none reachable"
    );
    println!("   shmsafe:       100 open SharedArray hold {with_shmsafe} more file descriptors");
    Ok(())
}

/// Part 1, as a user whom file modes bind.
fn read_only_reader() -> Result<()> {
    let array = SharedArray::from_fn(1000, |i| i as u64)?;
    let path = format!("/dev/shm/{}", array.name());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400))?;
    println!("   {path} has mode 0400 and belongs to this reader's user");
    match ShmemConf::new().os_id(array.name()).open() {
        Ok(_) => println!("   shared_memory: opened it"),
        Err(e) => println!("   shared_memory: {e} ({})", errno_text(&e)),
    }
    // SAFETY: nothing writes to the records while they are open.
    match unsafe { SharedArray::<u64>::open(array.name()) } {
        Ok(seen) => println!(
            "   shmsafe:       opened it read-only, {} records summing to {}",
            seen.len(),
            seen.iter().sum::<u64>()
        ),
        Err(e) => println!("   shmsafe:       {e}"),
    }
    Ok(())
}

/// Part 2, in a process whose fd 0 is closed.
fn stdin_closed() -> Result<()> {
    let fd0 = || {
        std::fs::read_link("/proc/self/fd/0")
            .map_or_else(|_| "closed".to_owned(), |p| p.display().to_string())
    };
    // Rust's runtime reopens a closed fd 0, 1 or 2 on /dev/null before `main`, so a Rust
    // program started with stdin closed is protected; one that closes stdin itself (as daemons
    // do), or a C or Python program, is not. Close it here, as such a program does.
    println!(
        "   in the child, at start fd 0 is {} (Rust's runtime reopened it)",
        fd0()
    );
    // SAFETY: nothing in this process uses stdin; the next file opened takes descriptor 0.
    if unsafe { libc::close(0) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    println!(
        "   the child closes fd 0 itself, as a daemon does: fd 0 is {}",
        fd0()
    );

    let array = SharedArray::from_fn(10, |i| i as u64)?;
    let name = array.name().to_owned();
    println!("   shmsafe created {name} on fd 0 ({})", fd0());
    drop(array);
    println!(
        "   shmsafe dropped it: /dev/shm/{name} exists: {}, fd 0 is {}",
        Path::new(&format!("/dev/shm/{name}")).exists(),
        fd0()
    );

    let shmem = ShmemConf::new().size(4096).create()?;
    let id = shmem.get_os_id().to_owned();
    println!("   shared_memory created {id} on fd 0 ({})", fd0());
    drop(shmem);
    println!(
        "   shared_memory dropped it: /dev/shm{id} exists: {}, fd 0 is {}",
        Path::new(&format!("/dev/shm{id}")).exists(),
        fd0()
    );
    Ok(())
}

/// What the OS error number inside a `shared_memory` error means, such as "Permission denied".
fn errno_text(e: &shared_memory::ShmemError) -> String {
    use shared_memory::ShmemError::*;
    match e {
        MapCreateFailed(n) | MapOpenFailed(n) | UnknownOsError(n) => {
            let text = std::io::Error::from_raw_os_error(*n as i32).to_string();
            text.split(" (os error")
                .next()
                .unwrap_or_default()
                .to_owned()
        }
        _ => "no OS error".to_owned(),
    }
}

/// How many file descriptors this process has open.
fn open_descriptors() -> Result<usize> {
    Ok(std::fs::read_dir("/proc/self/fd")?.count())
}
