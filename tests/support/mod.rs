//! Helpers shared by the tests that use real processes and real segments, so that no test file
//! keeps its own copy. A test file says `mod support;` (the CLI's tests reach this file with
//! `#[path]`).
//!
//! - **Child processes**: the "other process" is the test binary itself, re-executed with
//!   `SHMSAFE_CHILD=<role>` to run only its `child_process_entry` test, which does what the role
//!   says and prints report lines starting with [`MARK`]. [`child`] builds the command,
//!   [`isolated`] the same command inside new Linux namespaces (a private `/dev/shm`, or a new pid
//!   namespace), [`Spawned`] reads a running child's reports and kills it if a test panics.
//! - **Forged segments**: [`RawSegment`] holds exact bytes under a name of this test process's
//!   own, removed on drop; [`at`] gives each header field's byte range from
//!   [`Header`]'s own layout (`offset_of!`), never from a literal offset.
//! - **Names learned from children** go into [`Names`], which removes them on drop, so a
//!   failing test leaves nothing in `/dev/shm` either.

// Each test file uses some of these helpers.
#![allow(dead_code, unused_imports)]

use std::io::{BufRead, BufReader, Lines, Write};
use std::ops::Range;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use shmsafe::Error;
use shmsafe::format::Header;

// The seed's record and its data, shared with the examples, the bench and the book.
#[path = "../../examples/seed/mod.rs"]
mod seed;
pub use seed::{Row, row as seed_row};

/// Where a segment named `name` lives.
pub fn shm_path(name: &str) -> String {
    format!("/dev/shm/{name}")
}

/// Whether anything (a file, a directory, a dangling link, ...) is named `name` in `/dev/shm`.
pub fn exists(name: &str) -> bool {
    Path::new(&shm_path(name)).symlink_metadata().is_ok()
}

/// Whether this process runs as root (and may change uids, chown, and make namespaces).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A name for a forged segment, unique to this process and call: `shmsafe_test_<pid>_<n>`.
pub fn unique_name(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "shmsafe_test{tag}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The variant's name, for report lines.
pub fn variant(e: &Error) -> &'static str {
    match e {
        Error::NotFound { .. } => "NotFound",
        Error::PermissionDenied { .. } => "PermissionDenied",
        Error::TooSmall { .. } => "TooSmall",
        Error::NotShmsafe { .. } => "NotShmsafe",
        Error::UnsupportedVersion { .. } => "UnsupportedVersion",
        Error::LayoutMismatch { .. } => "LayoutMismatch",
        Error::Truncated { .. } => "Truncated",
        Error::CorruptHeader { .. } => "CorruptHeader",
        Error::NotReady { .. } => "NotReady",
        Error::InvalidName { .. } => "InvalidName",
        Error::NotARegularFile { .. } => "NotARegularFile",
        Error::Untrusted { .. } => "Untrusted",
        Error::NoSpace { .. } => "NoSpace",
        Error::TooLarge { .. } => "TooLarge",
        Error::RecordsMisaligned { .. } => "RecordsMisaligned",
        Error::Os { .. } => "Os",
        _ => "Other",
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes.

/// Starts what a child reports, since libtest prints `test child_process_entry ... ` before it on
/// the same line.
pub const MARK: &str = "@@ ";

/// The test every child runs: each test file defines one of this name, which does nothing unless
/// `SHMSAFE_CHILD` is set.
pub const ENTRY: &str = "child_process_entry";

/// In a child: the role it was started in, if it is a child.
pub fn role() -> Option<String> {
    std::env::var("SHMSAFE_CHILD").ok()
}

/// In a child: the segment name (or other argument) it was given.
pub fn arg() -> String {
    std::env::var("SHMSAFE_NAME").unwrap_or_default()
}

/// In a child: prints a report line for the parent.
pub fn report(line: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}").unwrap();
    out.flush().unwrap();
}

/// The arguments that make the test binary run only its child entry.
pub fn entry_args() -> [&'static str; 4] {
    ["--exact", ENTRY, "--nocapture", "--test-threads=1"]
}

/// This test binary, to run in `role` on `name`.
pub fn child(role: &str, name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(entry_args())
        .env("SHMSAFE_CHILD", role)
        .env("SHMSAFE_NAME", name);
    cmd
}

/// What the child reported after [`MARK`], line by line.
pub fn reported(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.split_once(MARK).map(|(_, r)| r.to_owned()))
        .collect()
}

/// A child's status and output, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails unless the process exited normally with status 0: a death by signal (SIGBUS,
/// SIGSEGV, ...) is exactly what these tests look for.
pub fn assert_exited_cleanly(status: ExitStatus, what: &str) {
    assert!(
        status.signal().is_none(),
        "{what} was killed by signal {:?}",
        status.signal()
    );
    assert!(status.success(), "{what} failed: {status:?}");
}

/// [`assert_exited_cleanly`] for a finished child, showing its output if it failed.
pub fn assert_output_ok(out: &Output, what: &str) {
    assert!(
        out.status.signal().is_none() && out.status.success(),
        "{what} failed or was killed by a signal: {}",
        describe(out)
    );
}

/// Runs `cmd` to completion, killing it (and failing) if it takes more than `limit`: a child
/// that hangs (on a FIFO, say) fails the test instead of hanging it.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).unwrap();
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).unwrap();
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Runs the child entry in `role` on `name` and returns its last report line.
pub fn ask_child(role: &str, name: &str) -> String {
    let out = output_within(&mut child(role, name), Duration::from_secs(120));
    assert!(out.status.success(), "child failed: {}", describe(&out));
    reported(&out.stdout)
        .pop()
        .unwrap_or_else(|| panic!("the child printed no result: {}", describe(&out)))
}

/// A running child whose report lines are read as they come; killed when dropped, so a failing
/// test leaves no process behind.
pub struct Spawned {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Spawned {
    /// Spawns `cmd` with its standard output piped (and its standard input piped too if
    /// `stdin` is true: the child may then wait for it to close).
    pub fn new(cmd: &mut Command, stdin: bool) -> Spawned {
        let mut child = cmd
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Spawned { child, lines }
    }

    /// The next report line, or `None` once the child closed its output.
    pub fn next_report(&mut self) -> Option<String> {
        self.lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.split_once(MARK).map(|(_, r)| r.to_owned()))
    }

    /// Closes the child's standard input (a child waiting for it then finishes).
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Kills the child with `SIGKILL` and waits for it.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().unwrap()
    }

    /// Waits for the child to end.
    pub fn wait(&mut self) -> ExitStatus {
        self.close_stdin();
        self.child.wait().unwrap()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// In a child that waits for its parent: blocks until standard input is closed.
pub fn wait_for_stdin_to_close() {
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
}

// ---------------------------------------------------------------------------------------------
// Namespaces.

/// Where an [`isolated`] child runs.
#[derive(Clone, Copy, Debug)]
pub enum Isolation {
    /// A private mount namespace with a fresh tmpfs of this size (such as `"8m"`) on
    /// `/dev/shm`: the child sees only its own segments, and can fill the file system.
    PrivateShm(&'static str),
    /// A new pid namespace, in which the child is pid 1; `/dev/shm` is the host's.
    Pid,
}

/// Prints the first report line of every isolated child, so the parent can tell "the namespace
/// could not be made" (no such line) from "the test inside failed".
pub const INSIDE: &str = "inside";

/// The test binary in `role` on `name`, inside new namespaces: with `unshare` as root, or with
/// an unprivileged user namespace (`unshare -U`, mapped to root inside) otherwise. The child's
/// entry must [`report`] [`INSIDE`] first.
pub fn isolated(isolation: Isolation, role: &str, name: &str) -> Command {
    let mut cmd = Command::new("unshare");
    if !is_root() {
        cmd.args(["--user", "--map-root-user"]);
    }
    match isolation {
        Isolation::PrivateShm(size) => {
            cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
                .arg(format!(
                    "mount -t tmpfs -o size={size},mode=1777 shmsafe-test /dev/shm && exec \"$@\""
                ))
                .arg("sh");
        }
        Isolation::Pid => {
            cmd.args(["--pid", "--fork", "--mount-proc", "--"]);
        }
    }
    cmd.arg(std::env::current_exe().unwrap())
        .args(entry_args())
        .env("SHMSAFE_CHILD", role)
        .env("SHMSAFE_NAME", name);
    cmd
}

/// What to do when an isolated child did not get inside its namespaces: as root (where they
/// must work) fail; otherwise say plainly what was skipped, and go on.
pub fn namespaces_unavailable(what: &str, detail: &str) {
    assert!(
        !is_root(),
        "running as root, yet the namespaces for {what} could not be made: {detail}"
    );
    eprintln!(
        "SKIPPED (needs root or unprivileged user namespaces): {what}; unshare said: {}",
        detail.trim()
    );
}

/// Runs `role` [`isolated`] to completion; `None` (after [`namespaces_unavailable`]) if the
/// namespaces could not be made.
pub fn run_isolated(
    isolation: Isolation,
    role: &str,
    name: &str,
    what: &str,
    limit: Duration,
) -> Option<Output> {
    let out = output_within(&mut isolated(isolation, role, name), limit);
    if reported(&out.stdout).first().map(String::as_str) != Some(INSIDE) {
        namespaces_unavailable(what, &describe(&out));
        return None;
    }
    Some(out)
}

/// Runs this test binary's `role` as a driver in a private `/dev/shm` of `size`, requires it to
/// exit cleanly with `done` as its last report, and returns its reports; `None` (after saying
/// why) where the namespace cannot be made.
pub fn run_driver_in_private_shm(
    size: &'static str,
    role: &str,
    what: &str,
    limit: Duration,
) -> Option<Vec<String>> {
    let out = run_isolated(Isolation::PrivateShm(size), role, "", what, limit)?;
    assert_output_ok(&out, "the driver in the private mount namespace");
    let lines = reported(&out.stdout);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("done"),
        "{}",
        describe(&out)
    );
    Some(lines)
}

// ---------------------------------------------------------------------------------------------
// Forged segments.

/// A file in `/dev/shm` holding exactly the given bytes, made without `shmsafe`; removed on
/// drop.
pub struct RawSegment {
    pub name: String,
}

impl RawSegment {
    /// A segment of this user with mode 0600 and a fresh name.
    pub fn new(bytes: &[u8]) -> RawSegment {
        RawSegment::named(unique_name(""), bytes, 0o600)
    }

    /// A file named `name` in `/dev/shm`, created exclusively, with `mode` (umask aside).
    pub fn named(name: String, bytes: &[u8], mode: u32) -> RawSegment {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(shm_path(&name))
            .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        let segment = RawSegment { name };
        file.write_all(bytes).unwrap();
        segment.chmod(mode);
        segment
    }

    /// Sets the file's permission bits, whatever the umask.
    pub fn chmod(&self, mode: u32) {
        std::fs::set_permissions(shm_path(&self.name), std::fs::Permissions::from_mode(mode))
            .unwrap();
    }

    /// The path in `/dev/shm`.
    pub fn path(&self) -> String {
        shm_path(&self.name)
    }
}

impl Drop for RawSegment {
    fn drop(&mut self) {
        let _ = shmsafe::remove_any(&self.name);
    }
}

/// Names this test learned (from children, or made itself by other means), removed from
/// `/dev/shm` on drop, whatever they are.
#[derive(Default)]
pub struct Names(pub Vec<String>);

impl Names {
    /// Adds `name` and returns it.
    pub fn add(&mut self, name: &str) -> String {
        self.0.push(name.to_owned());
        name.to_owned()
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        for name in &self.0 {
            let path = shm_path(name);
            let _ = std::fs::remove_dir(&path);
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The bytes of the segment named `name`, to copy or damage.
pub fn segment_bytes(name: &str) -> Vec<u8> {
    std::fs::read(shm_path(name)).unwrap()
}

/// The header at the start of `bytes`.
pub fn header_of(bytes: &[u8]) -> Header {
    shmsafe::read_from_bytes(&bytes[..shmsafe::format::HEADER_SIZE]).unwrap()
}

/// A copy of `bytes` whose header was changed by `edit`.
pub fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Header)) -> Vec<u8> {
    let mut header = header_of(bytes);
    edit(&mut header);
    let mut out = bytes.to_vec();
    out[..shmsafe::format::HEADER_SIZE].copy_from_slice(shmsafe::as_bytes(&header));
    out
}

/// Writes `value` over the field at `range` (from [`at`]): its size must be the field's.
pub fn put(bytes: &mut [u8], range: Range<usize>, value: &[u8]) {
    assert_eq!(range.len(), value.len(), "a value of the field's size");
    bytes[range].copy_from_slice(value);
}

/// The byte range of each header field, from [`Header`]'s own layout.
pub mod at {
    use super::Header;
    use std::ops::Range;

    fn size_of_field<T>(_: impl Fn(&Header) -> &T) -> usize {
        size_of::<T>()
    }

    macro_rules! fields {
        ($($field:ident),*) => {$(
            #[doc = concat!("The bytes of `Header::", stringify!($field), "`.")]
            pub fn $field() -> Range<usize> {
                let start = core::mem::offset_of!(Header, $field);
                start..start + size_of_field(|h| &h.$field)
            }
        )*};
    }

    fields!(
        magic,
        version,
        state,
        fingerprint,
        len,
        data_offset,
        nonce,
        record_size,
        record_align,
        creator_pid,
        layout_len
    );
}
