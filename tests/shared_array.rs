//! `SharedArray` across real processes and real shared memory.
//!
//! The "other process" is this test binary itself, re-executed with `SHMSAFE_CHILD` set: it
//! runs only `child_process_entry`, which opens a segment by name and prints what it found.
//! Bad segments are built byte by byte with `shm_open` so that every error variant is met with
//! the input that causes it, and each test checks that the segments it made are gone after.

use std::ffi::CString;
use std::path::Path;
use std::process::{Command, Output};

use proptest::prelude::*;
use shmsafe::format::Header;
use shmsafe::{Error, FixedStr, SharedArray, ShmSafe};

#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

/// Another 24-byte record: the same size as `Row`, another layout.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Other {
    id: u64,
    price: f64,
    venue: [u8; 8],
}

fn seed_row(i: usize) -> Row {
    Row {
        date: 1_591_574_400_000_000_000 + i as i64,
        val: if i % 2 == 0 { 1.0 } else { f64::NAN },
        name: FixedStr::truncating(if i % 2 == 0 { "string" } else { "abc" }),
        _pad: [0; 2],
    }
}

fn shm_path(name: &str) -> String {
    format!("/dev/shm/{name}")
}

// ---------------------------------------------------------------------------------------------
// The child process.

/// Not a test of its own: the entry point of the child processes the tests below start. It does
/// nothing unless `SHMSAFE_CHILD` is set.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var("SHMSAFE_CHILD") else {
        return;
    };
    let name = std::env::var("SHMSAFE_NAME").unwrap_or_default();
    match role.as_str() {
        "open" => {
            // SAFETY: the parent does not write to the segment while this child runs.
            match unsafe { SharedArray::<Row>::open(&name) } {
                Ok(rows) => {
                    let nansum: f64 = rows.iter().map(|r| r.val).filter(|v| !v.is_nan()).sum();
                    let dates: i64 = rows.iter().map(|r| r.date).fold(0, i64::wrapping_add);
                    let names: Vec<String> =
                        rows.iter().take(2).map(|r| r.name.to_string()).collect();
                    println!(
                        "{MARK}ok len={} nansum={nansum} dates={dates} names={names:?}",
                        rows.len()
                    );
                }
                Err(e) => println!("{MARK}error {}: {e}", variant(&e)),
            }
        }
        "create-then-panic" => {
            let rows = SharedArray::from_fn(1000, seed_row).unwrap();
            println!("{MARK}{}", rows.name());
            panic!("the creator panics while its array is alive");
        }
        "create-then-wait" => {
            let rows = SharedArray::from_fn(1000, seed_row).unwrap();
            println!("{MARK}{}", rows.name());
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
        other => panic!("unknown SHMSAFE_CHILD role {other:?}"),
    }
}

/// Starts what a child reports, since libtest prints `test child_process_entry ... ` before it on
/// the same line.
const MARK: &str = "@@ ";

/// What the child reported after `MARK`, line by line.
fn reported(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.split_once(MARK).map(|(_, r)| r.to_owned()))
        .collect()
}

fn variant(e: &Error) -> &'static str {
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
        _ => "Other",
    }
}

fn child(role: &str, name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_process_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("SHMSAFE_CHILD", role)
    .env("SHMSAFE_NAME", name);
    cmd
}

/// Runs the `open` child on `name` and returns the line it printed about the segment.
fn open_in_child(name: &str) -> String {
    let out = child("open", name).output().unwrap();
    assert!(out.status.success(), "child failed: {}", describe(&out));
    reported(&out.stdout)
        .pop()
        .unwrap_or_else(|| panic!("the child printed no result: {}", describe(&out)))
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ---------------------------------------------------------------------------------------------
// Raw segments, for the bad inputs `SharedArray` never writes.

/// A segment made with `shm_open` directly, holding exactly the given bytes; unlinked on drop.
struct RawSegment {
    name: String,
}

impl RawSegment {
    fn new(bytes: &[u8]) -> RawSegment {
        let name = format!("shmsafe_test_{}_{}", std::process::id(), unique());
        let c_name = CString::new(format!("/{name}")).unwrap();
        // SAFETY: `c_name` is NUL-terminated and outlives the call.
        let fd = unsafe {
            libc::shm_open(
                c_name.as_ptr(),
                libc::O_CREAT | libc::O_EXCL | libc::O_RDWR,
                0o600,
            )
        };
        assert!(fd >= 0, "shm_open: {}", std::io::Error::last_os_error());
        let segment = RawSegment { name };
        // SAFETY: `fd` is a valid descriptor, now owned by the `File`.
        let mut file = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        std::io::Write::write_all(&mut file, bytes).unwrap();
        segment
    }
}

impl Drop for RawSegment {
    fn drop(&mut self) {
        let _ = shmsafe::remove_any(&self.name);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The bytes of a real segment of `rows`, to be damaged by a test.
fn segment_bytes(rows: &SharedArray<Row>) -> Vec<u8> {
    std::fs::read(shm_path(rows.name())).unwrap()
}

// Offsets in the header, from the header's own layout.
const VERSION: usize = core::mem::offset_of!(Header, version);
const STATE: usize = core::mem::offset_of!(Header, state);
const LEN: usize = core::mem::offset_of!(Header, len);
const DATA_OFFSET: usize = core::mem::offset_of!(Header, data_offset);

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn another_process_reads_the_records_by_name() {
    let rows = SharedArray::from_fn(10_001, seed_row).unwrap();
    let line = open_in_child(rows.name());
    let dates: i64 = rows.iter().map(|r| r.date).fold(0, i64::wrapping_add);
    assert_eq!(
        line,
        format!(r#"ok len=10001 nansum=5001 dates={dates} names=["string", "abc"]"#)
    );
    let path = shm_path(rows.name());
    drop(rows);
    assert!(!Path::new(&path).exists(), "{path} left behind");
}

#[test]
fn a_missing_name_is_not_found() {
    let line = open_in_child("shmsafe_no_such_segment");
    assert!(
        line.starts_with(
            "error NotFound: no shared memory segment is named `shmsafe_no_such_segment`"
        ),
        "{line}"
    );
}

#[test]
fn an_invalid_name_is_refused_before_the_os_sees_it() {
    let line = open_in_child("a/b");
    assert!(line.starts_with("error InvalidName"), "{line}");
}

#[test]
fn an_empty_or_tiny_segment_is_too_small() {
    for size in [0, 8, 63] {
        let raw = RawSegment::new(&vec![0xAB; size]);
        let line = open_in_child(&raw.name);
        assert!(
            line.starts_with(&format!(
                "error TooSmall: segment `{}` is {size} bytes",
                raw.name
            )),
            "{size}: {line}"
        );
    }
}

#[test]
fn garbage_and_zeroes_are_not_shmsafe_segments() {
    let garbage: Vec<u8> = (0..4096_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for bytes in [garbage, vec![0; 4096]] {
        let raw = RawSegment::new(&bytes);
        let line = open_in_child(&raw.name);
        assert!(line.starts_with("error NotShmsafe"), "{line}");
    }
}

#[test]
fn another_format_version_is_refused() {
    let rows = SharedArray::from_fn(4, seed_row).unwrap();
    let mut bytes = segment_bytes(&rows);
    bytes[VERSION..VERSION + 4].copy_from_slice(&99_u32.to_ne_bytes());
    let raw = RawSegment::new(&bytes);
    let line = open_in_child(&raw.name);
    assert!(line.starts_with("error UnsupportedVersion"), "{line}");
    assert!(
        line.contains(&format!(
            "format version 99, this build reads version {}",
            shmsafe::format::VERSION
        )),
        "{line}"
    );
}

#[test]
fn another_record_type_of_the_same_size_is_a_layout_mismatch() {
    assert_eq!(size_of::<Other>(), size_of::<Row>());
    let others = SharedArray::from_fn(10, |i| Other {
        id: i as u64,
        price: 1.5,
        venue: *b"XNAS\0\0\0\0",
    })
    .unwrap();
    let line = open_in_child(others.name());
    assert!(line.starts_with("error LayoutMismatch"), "{line}");
    // Both layouts, readable.
    assert!(
        line.contains("opened as Row {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22}"),
        "{line}"
    );
    assert!(
        line.contains("it holds Other {id: <u8 @0, price: <f8 @8, venue: (8,)u1 @16}"),
        "{line}"
    );
}

#[test]
fn a_segment_shorter_than_its_records_is_truncated() {
    let rows = SharedArray::from_fn(100, seed_row).unwrap();
    let bytes = segment_bytes(&rows);
    // Cut the last record in half.
    let raw = RawSegment::new(&bytes[..bytes.len() - 12]);
    let line = open_in_child(&raw.name);
    assert!(line.starts_with("error Truncated"), "{line}");

    // A header announcing more records than any segment could hold.
    let mut huge = bytes.clone();
    huge[LEN..LEN + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
    let raw = RawSegment::new(&huge);
    let line = open_in_child(&raw.name);
    assert!(line.starts_with("error Truncated"), "{line}");
}

#[test]
fn a_damaged_data_offset_is_a_corrupt_header() {
    let rows = SharedArray::from_fn(4, seed_row).unwrap();
    let mut bytes = segment_bytes(&rows);
    bytes[DATA_OFFSET..DATA_OFFSET + 8].copy_from_slice(&3_u64.to_ne_bytes()); // in the header
    let raw = RawSegment::new(&bytes);
    let line = open_in_child(&raw.name);
    assert!(line.starts_with("error CorruptHeader"), "{line}");
}

#[test]
fn a_segment_still_being_written_is_not_ready() {
    let writer = SharedArray::<Row>::writer(10).unwrap();
    let line = open_in_child(writer.name());
    assert!(line.starts_with("error NotReady"), "{line}");
    assert!(
        line.contains(&format!("pid {}", std::process::id())),
        "{line}"
    );
    let rows = writer.publish();
    assert!(open_in_child(rows.name()).starts_with("ok len=10"));

    // The same state word, set by hand in a copy that no creator holds (its creator pid is
    // this process, which is alive: liveness does not come from the pid): the message says the
    // creator is gone, and how to clean up.
    let mut bytes = segment_bytes(&rows);
    bytes[STATE..STATE + 4].copy_from_slice(&0_u32.to_ne_bytes());
    let raw = RawSegment::new(&bytes);
    let line = open_in_child(&raw.name);
    assert!(line.starts_with("error NotReady"), "{line}");
    assert!(
        line.contains(&format!(
            "its creator (pid {}) no longer holds it",
            std::process::id()
        )) && line.contains(&format!("shmsafe::remove(\"{}\")", raw.name)),
        "{line}"
    );
}

#[test]
fn another_users_segment_is_permission_denied() {
    let rows = SharedArray::from_fn(4, seed_row).unwrap();
    let mut cmd = child("open", rows.name());
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Root may open anything: ask as `nobody` instead.
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            shm_path(rows.name()),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
    }
    let out = cmd.output().unwrap();
    let report = reported(&out.stdout).pop().unwrap_or_default();
    assert!(
        report.starts_with("error PermissionDenied: permission denied for segment"),
        "{}",
        describe(&out)
    );
}

#[test]
fn segments_are_private_to_their_user_and_mapped_read_only_by_readers() {
    use std::os::unix::fs::PermissionsExt;
    let rows = SharedArray::from_fn(100_000, seed_row).unwrap();
    let mode = std::fs::metadata(shm_path(rows.name()))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // SAFETY: nothing writes to the segment while it is open.
    let reader = unsafe { SharedArray::<Row>::open(rows.name()) }.unwrap();
    let perms = |addr: usize| {
        procfs::process::Process::myself()
            .unwrap()
            .maps()
            .unwrap()
            .into_iter()
            .find(|m| (m.address.0 as usize..m.address.1 as usize).contains(&addr))
            .map(|m| m.perms)
            .unwrap()
    };
    use procfs::process::MMPermissions as P;
    let reader_perms = perms(reader.as_ptr() as usize);
    assert!(
        reader_perms.contains(P::READ | P::SHARED),
        "{reader_perms:?}"
    );
    assert!(
        !reader_perms.contains(P::WRITE),
        "the reader's mapping is writable: {reader_perms:?}"
    );
    // The creator's own mapping was writable to fill it, and is read-only once published.
    assert!(!perms(rows.as_ptr() as usize).contains(P::WRITE));
}

#[test]
fn a_panicking_creator_removes_its_segment() {
    let out = child("create-then-panic", "").output().unwrap();
    assert!(
        !out.status.success(),
        "the child was meant to panic: {}",
        describe(&out)
    );
    let name = reported(&out.stdout)
        .pop()
        .unwrap_or_else(|| panic!("no name printed: {}", describe(&out)));
    assert!(
        !Path::new(&shm_path(&name)).exists(),
        "{name} survived its creator's panic"
    );
    // And within this process, through unwinding.
    let mut path = String::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let rows = SharedArray::from_fn(10, seed_row).unwrap();
        path = shm_path(rows.name());
        panic!("boom");
    }));
    assert!(result.is_err());
    assert!(!Path::new(&path).exists());
}

#[test]
fn a_killed_creator_leaves_a_segment_that_remove_cleans_up() {
    use std::io::BufRead;
    let mut creator = child("create-then-wait", "")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(creator.stdout.take().unwrap()).lines();
    let name = lines
        .by_ref()
        .map(Result::unwrap)
        .find_map(|l| l.split_once(MARK).map(|(_, name)| name.to_owned()))
        .expect("the creator prints its segment's name");
    creator.kill().unwrap();
    creator.wait().unwrap();
    let path = shm_path(&name);
    assert!(
        Path::new(&path).exists(),
        "a SIGKILLed creator cannot clean up"
    );
    // Still readable by name, since it was published.
    assert!(open_in_child(&name).starts_with("ok len=1000"));
    shmsafe::remove(&name).unwrap();
    assert!(!Path::new(&path).exists());
    assert!(matches!(
        shmsafe::remove(&name),
        Err(Error::NotFound { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_records_round_trip_through_a_segment_opened_by_name(
        rows in proptest::collection::vec(
            (any::<i64>(), any::<f64>(), ".{0,8}").prop_map(|(date, val, name)| Row {
                date,
                val,
                name: FixedStr::truncating(&name),
                _pad: [0; 2],
            }),
            0..200,
        )
    ) {
        let shared = SharedArray::from_slice(&rows).unwrap();
        // SAFETY: nothing writes to the segment while it is open.
        let opened = unsafe { SharedArray::<Row>::open(shared.name()) }.unwrap();
        prop_assert_eq!(opened.len(), rows.len());
        for (a, b) in opened.iter().zip(&rows) {
            prop_assert_eq!(shmsafe::as_bytes(a), shmsafe::as_bytes(b));
        }
    }
}
