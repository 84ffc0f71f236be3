//! `shmsafe`: list this user's `shmsafe` segments in `/dev/shm`, and remove the ones whose
//! creator is gone.
//!
//! A creator removes its segment when it drops the array, panics included; a process killed by
//! a signal, ended by `std::process::exit`, or built with `panic = "abort"` does not, and its
//! segment stays in `/dev/shm` until someone removes it. This tool is that someone:
//!
//! ```text
//! shmsafe ls              # a table: name, size, state, records, creator alive?, layout
//! shmsafe ls --json       # the same, for programs
//! shmsafe clean --dry-run # what `clean` would remove
//! shmsafe clean           # remove every segment whose creator is gone
//! shmsafe rm NAME...      # remove segments by name (only shmsafe ones, unless --force)
//! ```
//!
//! Whether a creator is alive comes from a lock it holds on its segment, which the kernel
//! releases when the process ends, however it ends: never from a process id.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shmsafe::{Error, SegmentInfo};

/// List and clean up shmsafe shared-memory segments (in /dev/shm).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List this user's shmsafe segments: name, size, state, records, whether the creator is
    /// alive, and the record layout.
    Ls {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove every segment whose creator is gone (killed, or exited without dropping it).
    Clean {
        /// Only say what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove segments by name. Refuses files that are not shmsafe segments (a Python
    /// SharedMemory, a POSIX semaphore, ...) unless --force.
    Rm {
        /// The names, as `shmsafe ls` shows them (a leading `/` is accepted).
        #[arg(required = true)]
        names: Vec<String>,
        /// Remove whatever has the name, shmsafe segment or not.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls { json } => ls(json),
        Command::Clean { dry_run } => clean(dry_run),
        Command::Rm { names, force } => rm(&names, force),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("shmsafe: {e}");
            ExitCode::FAILURE
        }
    }
}

fn ls(json: bool) -> Result<ExitCode, Error> {
    let segments = shmsafe::segments()?;
    if json {
        let list: Vec<serde_json::Value> = segments.iter().map(to_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).expect("JSON values serialize")
        );
        return Ok(ExitCode::SUCCESS);
    }
    if segments.is_empty() {
        println!("no shmsafe segments of this user in /dev/shm");
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", table(&segments));
    let total: u64 = segments.iter().map(|s| s.size).sum();
    let stale = segments.iter().filter(|s| s.is_stale()).count();
    println!();
    print!(
        "{} in {}",
        count(segments.len(), "segment"),
        human_size(total)
    );
    if stale > 0 {
        println!(
            "; {stale} stale (creator gone): `shmsafe clean` removes {}",
            if stale == 1 { "it" } else { "them" }
        );
    } else {
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// The segments as a table with aligned columns; numbers are right-aligned.
fn table(segments: &[SegmentInfo]) -> String {
    let header = ["NAME", "SIZE", "STATE", "RECORDS", "CREATOR", "LAYOUT"];
    let rows: Vec<[String; 6]> = segments
        .iter()
        .map(|s| {
            [
                printable(&s.name),
                human_size(s.size),
                s.state.to_string(),
                s.len.to_string(),
                creator(s),
                s.layout.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let right_aligned = [false, true, false, true, false, false];
    let line = |cells: [&str; 6]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == cells.len() - 1 {
                out.push_str(cell);
            } else if right_aligned[i] {
                out.push_str(&format!("{}{cell}  ", " ".repeat(pad)));
            } else {
                out.push_str(&format!("{cell}{}  ", " ".repeat(pad)));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}

fn creator(s: &SegmentInfo) -> String {
    let alive = if s.creator_alive { "alive" } else { "gone" };
    // A damaged or foreign header may carry no pid.
    match s.creator_pid {
        0 => alive.to_owned(),
        pid => format!("{alive} (pid {pid})"),
    }
}

fn to_json(s: &SegmentInfo) -> serde_json::Value {
    serde_json::json!({
        "name": s.name,
        "size": s.size,
        "version": s.version,
        "state": s.state.to_string(),
        "len": s.len,
        "creator_pid": s.creator_pid,
        "creator_alive": s.creator_alive,
        "layout": s.layout,
    })
}

fn clean(dry_run: bool) -> Result<ExitCode, Error> {
    let removed = if dry_run {
        shmsafe::segments()?
            .into_iter()
            .filter(SegmentInfo::is_stale)
            .collect()
    } else {
        shmsafe::remove_stale()?
    };
    let verb = if dry_run { "would remove" } else { "removed" };
    for s in &removed {
        println!(
            "{verb} {} ({}, {} of {}, creator {})",
            printable(&s.name),
            human_size(s.size),
            count_u64(s.len, "record"),
            if s.layout.is_empty() {
                "unknown layout"
            } else {
                &s.layout
            },
            creator(s)
        );
    }
    let freed: u64 = removed.iter().map(|s| s.size).sum();
    match (removed.len(), dry_run) {
        (0, _) => println!("no stale segments"),
        (n, false) => println!(
            "removed {}, {} freed",
            count(n, "stale segment"),
            human_size(freed)
        ),
        (n, true) => println!(
            "would remove {} ({}); run `shmsafe clean` without --dry-run to remove {}",
            count(n, "stale segment"),
            human_size(freed),
            if n == 1 { "it" } else { "them" }
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn rm(names: &[String], force: bool) -> Result<ExitCode, Error> {
    let mut code = ExitCode::SUCCESS;
    for name in names {
        let result = if force {
            shmsafe::remove_any(name)
        } else {
            shmsafe::remove(name)
        };
        match result {
            Ok(()) => println!("removed {}", printable(name)),
            Err(e) => {
                code = ExitCode::FAILURE;
                let hint = match e {
                    Error::NotShmsafe { .. }
                    | Error::TooSmall { .. }
                    | Error::NotARegularFile { .. } => " (`shmsafe rm --force` removes it anyway)",
                    _ => "",
                };
                eprintln!("shmsafe: {e}{hint}");
            }
        }
    }
    Ok(code)
}

/// A file name made safe for a terminal: anyone who can create files in /dev/shm chooses
/// them, and a control character could rewrite the screen. Escaped as `\u{1b}`.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `1 segment`, `2 segments`.
fn count(n: usize, what: &str) -> String {
    count_u64(n as u64, what)
}

fn count_u64(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `512 B`, `24.1 KiB`, `5.0 MiB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(24_128), "23.6 KiB");
        assert_eq!(human_size(5 << 20), "5.0 MiB");
        assert_eq!(human_size(3 << 40), "3.0 TiB");
    }

    #[test]
    fn names_are_printed_without_control_characters() {
        assert_eq!(printable("shmsafe_\x1b[2J"), "shmsafe_\\u{1b}[2J");
        assert_eq!(printable("shmsafe_0123"), "shmsafe_0123");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "segment"), "1 segment");
        assert_eq!(count(0, "segment"), "0 segments");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
