//! Finding and removing segments that outlived their creators.
//!
//! A creator removes its segment when the [`SharedArray`](crate::SharedArray) is dropped, also
//! while a panic unwinds. Three ways of ending a process skip every drop: a signal that kills it
//! (`SIGKILL`, the OOM killer, `SIGSEGV`), [`std::process::exit`] (and returning from `main`
//! while other threads still own arrays), and a panic in a program built with
//! `panic = "abort"`. Their segments stay in `/dev/shm` until someone removes them:
//! [`segments`] lists this user's, and tells whether each creator is still alive (it holds a
//! lock that the kernel releases when it ends, however it ends); [`remove_stale`] removes
//! those whose creator is gone. The `shmsafe` command-line tool (`shmsafe ls`,
//! `shmsafe clean`) does the same from a shell.

use std::fmt;

use crate::error::Error;
use crate::format::{self, HEADER_SIZE, Header, MAX_LAYOUT_LEN, READY, VERSION, WRITING};
use crate::segment::{self, Access, Opened};

/// A `shmsafe` segment found in `/dev/shm`, as [`segments`] describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SegmentInfo {
    /// Its name: what [`SharedArray::open`](crate::SharedArray::open) and [`crate::remove`]
    /// take.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its format version; the fields below are read only for the version this build knows.
    pub version: u32,
    /// Whether the creator published it, is still writing it, or its header is unreadable.
    pub state: SegmentState,
    /// The number of records, from the header.
    pub len: u64,
    /// The record layout as its creator described it (control characters escaped).
    pub layout: String,
    /// The creator's process id, as the header records it.
    pub creator_pid: u32,
    /// Whether the creator still holds the segment. `false` means it is gone (killed, exited
    /// without dropping the array): the segment is stale, and nothing will remove it.
    pub creator_alive: bool,
}

/// Where a segment is in its life, from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SegmentState {
    /// Its creator has not published it (yet).
    Writing,
    /// Published: readers can open it.
    Ready,
    /// Its header is of another format version or damaged.
    Unknown,
}

impl fmt::Display for SegmentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SegmentState::Writing => "writing",
            SegmentState::Ready => "ready",
            SegmentState::Unknown => "unknown",
        })
    }
}

impl SegmentInfo {
    /// Whether nothing will ever remove the segment: its creator is gone.
    pub fn is_stale(&self) -> bool {
        !self.creator_alive
    }
}

/// This user's `shmsafe` segments in `/dev/shm`, sorted by name: every regular file owned by
/// this user that starts with the `shmsafe` magic bytes, whoever created it (Rust or Python).
///
/// Files of other users, other programs' segments and anything that is not a regular file are
/// skipped, without being waited on or followed.
///
/// # Errors
///
/// [`Error::Os`] if `/dev/shm` cannot be listed.
///
/// ```
/// let array = shmsafe::SharedArray::from_slice(&[1_u32, 2, 3])?;
/// let found = shmsafe::segments()?;
/// let mine = found.iter().find(|s| s.name == array.name()).unwrap();
/// assert!(mine.creator_alive && mine.len == 3);
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub fn segments() -> Result<Vec<SegmentInfo>, Error> {
    let mut found: Vec<SegmentInfo> = segment::shm_names()?
        .iter()
        .filter_map(|name| inspect(name))
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Removes every segment of this user whose creator is gone, and returns what it removed.
///
/// A stale segment may still be mapped by readers: they keep reading it, and its memory is
/// freed when the last of them unmaps it.
///
/// # Errors
///
/// As [`segments`]; a segment that disappears meanwhile is not an error.
pub fn remove_stale() -> Result<Vec<SegmentInfo>, Error> {
    let mut removed = Vec::new();
    for info in segments()? {
        if info.is_stale() {
            match segment::remove_any(&info.name) {
                Ok(()) => removed.push(info),
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// What the segment `name` is, if it is a `shmsafe` segment of this user.
fn inspect(name: &str) -> Option<SegmentInfo> {
    let opened = Opened::open(name, Access::ReadOnly).ok()?;
    let mut raw = [0u8; HEADER_SIZE];
    let read = opened.read_at(&mut raw, 0).ok()?;
    if read < format::MAGIC.len() || raw[..8] != format::MAGIC {
        return None;
    }
    let mut info = SegmentInfo {
        name: opened.name().to_owned(),
        size: opened.size(),
        version: 0,
        state: SegmentState::Unknown,
        len: 0,
        layout: String::new(),
        creator_pid: 0,
        creator_alive: opened.creator_alive(),
    };
    if read < HEADER_SIZE {
        return Some(info);
    }
    let header: Header = crate::read_from_bytes(&raw).ok()?;
    info.version = header.version;
    if header.version != VERSION {
        return Some(info);
    }
    info.state = match header.state {
        WRITING => SegmentState::Writing,
        READY => SegmentState::Ready,
        _ => SegmentState::Unknown,
    };
    info.len = header.len;
    info.creator_pid = header.creator_pid;
    let mut text = vec![0u8; (header.layout_len as usize).min(MAX_LAYOUT_LEN)];
    if let Ok(n) = opened.read_at(&mut text, HEADER_SIZE as u64) {
        text.truncate(n);
        let text = String::from_utf8_lossy(&text);
        info.layout = format::printable(text.split('\n').next().unwrap_or_default());
    }
    Some(info)
}
