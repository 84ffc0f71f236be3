//! `SealedArray` across real processes: a reader in another process opens by handle with no
//! `unsafe`; another process of the same user attacks the memfd and every change is refused; a
//! killed creator's array stays readable by those who hold it and stops opening for others;
//! forged and unsealed memfds are refused by `from_fd`.
//!
//! The "other process" is this test binary, re-executed in a role (`tests/support`): it runs
//! only `child_process_entry`.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::process::Output;

use shmsafe::format::VERSION;
use shmsafe::{Error, SealedArray, SharedArray};

mod support;
use support::{
    MARK, Row, Spawned, arg, child, describe, report, reported, role, seed_row, with_header,
};

/// A checksum of every byte of the records, to see that nothing changed.
fn checksum(rows: &[Row]) -> u64 {
    shmsafe::slice_as_bytes(rows)
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

// ---------------------------------------------------------------------------------------------
// The child process.

/// Not a test of its own: the entry point of the child processes below. It does nothing unless
/// started in a role.
#[test]
fn child_process_entry() {
    let Some(role) = role() else {
        return;
    };
    let arg = arg();
    match role.as_str() {
        "open" => match SealedArray::<Row>::open(&arg) {
            Ok(rows) => report(format_args!(
                "ok len={} sum={}",
                rows.len(),
                checksum(&rows)
            )),
            Err(e) => report(format_args!("error {e:?}")),
        },
        "attack" => attack(&arg),
        "create-then-wait" => {
            let rows = SealedArray::from_fn(10_000, seed_row).unwrap();
            report(format_args!("{} {}", rows.handle(), checksum(&rows)));
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
        other => panic!("unknown role {other:?}"),
    }
}

/// Tries every way to change the sealed memfd behind `path` (a `/proc/<pid>/fd/<n>`), and
/// prints one line per attempt: `refused <what> <errno>` or `ALLOWED <what>`.
fn attack(path: &str) {
    let c_path = std::ffi::CString::new(path).unwrap();
    // SAFETY: a NUL-terminated path; the result is checked.
    let fd = unsafe { libc::open(c_path.as_ptr(), libc::O_RDWR) };
    if fd < 0 {
        println!(
            "{MARK}refused open-read-write {}",
            std::io::Error::last_os_error()
        );
        return;
    }
    // SAFETY: `fd` was just opened and is owned here.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let raw = fd.as_raw_fd();
    let report = |what: &str, rc: i64| {
        if rc < 0 {
            println!(
                "{MARK}refused {what} {}",
                std::io::Error::last_os_error().raw_os_error().unwrap()
            );
        } else {
            println!("{MARK}ALLOWED {what}");
        }
    };
    let junk = [0xffu8; 64];
    // SAFETY: each call gets a valid descriptor and valid buffers; results are only reported.
    unsafe {
        report(
            "write",
            libc::write(raw, junk.as_ptr().cast(), junk.len()) as i64,
        );
        report(
            "pwrite",
            libc::pwrite(raw, junk.as_ptr().cast(), junk.len(), 4096) as i64,
        );
        report("ftruncate-shrink", i64::from(libc::ftruncate(raw, 64)));
        report("ftruncate-grow", i64::from(libc::ftruncate(raw, 1 << 30)));
        report(
            "fallocate-punch-hole",
            i64::from(libc::fallocate(
                raw,
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                0,
                4096,
            )),
        );
        report(
            "fallocate-grow",
            i64::from(libc::fallocate(raw, 0, 0, 1 << 30)),
        );
        report(
            "remove-seals",
            i64::from(libc::fcntl(raw, libc::F_ADD_SEALS, 0)),
        );
        let shared_rw = libc::mmap(
            core::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            raw,
            0,
        );
        report(
            "mmap-shared-writable",
            if shared_rw == libc::MAP_FAILED { -1 } else { 0 },
        );
        let shared_ro = libc::mmap(
            core::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_SHARED,
            raw,
            0,
        );
        if shared_ro == libc::MAP_FAILED {
            // Kernels before 6.7 refuse even this; then there is nothing to mprotect.
            println!("{MARK}refused mmap-shared-read-only (old kernel)");
        } else {
            report(
                "mprotect-writable",
                i64::from(libc::mprotect(
                    shared_ro,
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                )),
            );
            // Writing through /proc/self/mem bypasses page protections, not seals.
            let mem = libc::open(c"/proc/self/mem".as_ptr(), libc::O_RDWR);
            report(
                "write-through-proc-self-mem",
                libc::pwrite(mem, junk.as_ptr().cast(), 8, shared_ro as i64) as i64,
            );
            libc::close(mem);
        }
        // A private writable mapping is allowed: it is a copy-on-write copy of the pages.
        let private = libc::mmap(
            core::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE,
            raw,
            0,
        );
        if private != libc::MAP_FAILED {
            core::ptr::write_bytes(private.cast::<u8>(), 0xff, 4096);
            println!("{MARK}private-copy-written");
        }
    }
}

/// The child's report lines, once it exited normally.
fn reports(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "child failed: {}", describe(out));
    reported(&out.stdout)
}

fn open_in_child(handle: &str) -> String {
    let out = child("open", handle).output().unwrap();
    reports(&out).pop().expect("the child reports")
}

/// Whether this process still holds the file with inode `ino`: a descriptor of it, or a mapping
/// (`/proc/self/maps` names each mapping's inode). Other tests run in parallel threads, so this
/// looks for one file, not a count.
fn holds(ino: u64) -> bool {
    use std::os::unix::fs::MetadataExt;
    let fd = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::metadata(e.ok()?.path()).ok())
        .any(|m| m.ino() == ino);
    let mapped = std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .any(|l| l.split_whitespace().nth(4) == Some(&ino.to_string()));
    fd || mapped
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn another_process_opens_the_records_by_handle() {
    let rows = SealedArray::from_fn_parallel(100_001, seed_row).unwrap();
    assert_eq!(
        open_in_child(rows.handle()),
        format!("ok len=100001 sum={}", checksum(&rows))
    );
    // The wrong record type in another process is an error.
    let numbers = SealedArray::from_slice(&[1.5_f64; 3]).unwrap();
    let line = open_in_child(numbers.handle());
    assert!(line.starts_with("error LayoutMismatch"), "{line}");
}

#[test]
fn every_change_from_another_process_is_refused() {
    let rows = SealedArray::from_fn(50_000, seed_row).unwrap();
    let before = checksum(&rows);
    let reader = SealedArray::<Row>::open(rows.handle()).unwrap();
    let (path, _) = rows.handle().split_once('#').unwrap();
    let out = child("attack", path).output().unwrap();
    let lines = reports(&out);
    let allowed: Vec<&String> = lines.iter().filter(|l| l.starts_with("ALLOWED")).collect();
    assert!(allowed.is_empty(), "{allowed:?}\n{}", describe(&out));
    for what in [
        "write",
        "pwrite",
        "ftruncate-shrink",
        "ftruncate-grow",
        "fallocate-punch-hole",
        "fallocate-grow",
        "remove-seals",
        "mmap-shared-writable",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("refused {what} "))),
            "{what} was not tried: {lines:?}"
        );
    }
    assert!(
        lines.iter().any(|l| l == "private-copy-written"),
        "{lines:?}"
    );
    // Nothing changed, for the creator or for the reader.
    assert_eq!(checksum(&rows), before);
    assert_eq!(checksum(&reader), before);
    assert_eq!(
        open_in_child(rows.handle()),
        format!("ok len=50000 sum={before}")
    );
}

#[test]
fn a_killed_creator_frees_its_array_once_the_last_reader_lets_go() {
    let mut creator = Spawned::new(&mut child("create-then-wait", ""), false);
    let line = creator
        .next_report()
        .expect("the creator prints its handle");
    let (handle, sum) = line.split_once(' ').unwrap();
    let reader = SealedArray::<Row>::open(handle).unwrap();
    let ino = {
        use std::os::unix::fs::MetadataExt;
        std::fs::File::from(reader.as_fd().try_clone_to_owned().unwrap())
            .metadata()
            .unwrap()
            .ino()
    };
    assert!(holds(ino));
    creator.kill();
    // The reader holds its own descriptor and mapping: the records are still there.
    assert_eq!(checksum(&reader).to_string(), sum);
    assert_eq!(reader.len(), 10_000);
    // Nobody else can open the handle any more.
    let err = SealedArray::<Row>::open(handle).unwrap_err();
    assert!(matches!(err, Error::HandleGone { .. }), "{err}");
    // And the reader can hand it on: its own handle works while it holds the array.
    assert_eq!(
        open_in_child(reader.handle()),
        format!("ok len=10000 sum={sum}")
    );
    drop(reader);
    assert!(
        !holds(ino),
        "this process still holds the memfd after dropping the array"
    );
}

/// A memfd holding `bytes`, sealed with `seals` (none: not even sealable).
fn forged_memfd(bytes: &[u8], seals: Option<i32>) -> OwnedFd {
    let flags = libc::MFD_CLOEXEC
        | if seals.is_some() {
            libc::MFD_ALLOW_SEALING
        } else {
            0
        };
    // SAFETY: a NUL-terminated name; the result is checked and owned.
    let fd = unsafe { libc::memfd_create(c"forged".as_ptr(), flags) };
    assert!(fd >= 0, "{}", std::io::Error::last_os_error());
    // SAFETY: just created, owned here.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut file = std::fs::File::from(fd.try_clone().unwrap());
    std::io::Write::write_all(&mut file, bytes).unwrap();
    if let Some(seals) = seals {
        // SAFETY: a valid descriptor; the result is checked.
        let rc = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) };
        assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    }
    fd
}

const ALL: i32 = libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;

/// The bytes of a real sealed array of rows.
fn real_bytes(len: usize) -> Vec<u8> {
    let rows = SealedArray::from_fn(len, seed_row).unwrap();
    let mut bytes = vec![0u8; rows.segment_len()];
    let file = std::fs::File::from(rows.as_fd().try_clone_to_owned().unwrap());
    std::os::unix::fs::FileExt::read_exact_at(&file, &mut bytes, 0).unwrap();
    bytes
}

#[test]
fn from_fd_accepts_a_real_copy_and_refuses_forgeries() {
    let good = real_bytes(100);
    let opened = SealedArray::<Row>::from_fd(forged_memfd(&good, Some(ALL))).unwrap();
    assert_eq!(opened.len(), 100);
    assert_eq!(opened[4], seed_row(4));
    let private =
        SealedArray::<Row>::__from_fd_private_mapping(forged_memfd(&good, Some(ALL))).unwrap();
    assert_eq!(checksum(&private), checksum(&opened));

    let missing = |fd| match SealedArray::<Row>::from_fd(fd) {
        Err(Error::NotSealed { missing, .. }) => missing,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        missing(forged_memfd(&good, None)),
        ["F_SEAL_WRITE", "F_SEAL_SHRINK", "F_SEAL_GROW"]
    );
    assert_eq!(
        missing(forged_memfd(&good, Some(0))),
        [
            "F_SEAL_WRITE",
            "F_SEAL_SHRINK",
            "F_SEAL_GROW",
            "F_SEAL_SEAL"
        ]
    );
    assert_eq!(
        missing(forged_memfd(
            &good,
            Some(libc::F_SEAL_WRITE | libc::F_SEAL_SEAL)
        )),
        ["F_SEAL_SHRINK", "F_SEAL_GROW"]
    );
    let err = SealedArray::<Row>::from_fd(forged_memfd(&good, Some(libc::F_SEAL_FUTURE_WRITE)))
        .unwrap_err();
    assert!(err.to_string().contains("F_SEAL_WRITE"), "{err}");

    let refused = |bytes: &[u8]| SealedArray::<Row>::from_fd(forged_memfd(bytes, Some(ALL)));
    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| matches!(e, Error::TooSmall { .. })),
        ("garbage", vec![0xab; 4096], |e| {
            matches!(e, Error::NotShmsafe { .. })
        }),
        (
            "newer version",
            with_header(&good, |h| h.version = VERSION + 1),
            |e| matches!(e, Error::UnsupportedVersion { .. }),
        ),
        ("truncated", good[..good.len() - 1].to_vec(), |e| {
            matches!(e, Error::Truncated { .. })
        }),
        ("longer", [&good[..], &[0; 24]].concat(), |e| {
            matches!(e, Error::CorruptHeader { .. })
        }),
        ("not ready", with_header(&good, |h| h.state = 0), |e| {
            matches!(e, Error::CorruptHeader { .. })
        }),
        ("state 7", with_header(&good, |h| h.state = 7), |e| {
            matches!(e, Error::CorruptHeader { .. })
        }),
        (
            "another record type",
            with_header(&good, |h| h.fingerprint ^= 1),
            |e| matches!(e, Error::LayoutMismatch { .. }),
        ),
    ];
    for (what, bytes, expected) in cases {
        let err = refused(&bytes).unwrap_err();
        assert!(expected(&err), "{what}: {err:?}");
    }
}

#[test]
fn other_files_and_garbage_handles_are_errors() {
    // A pipe.
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors `pipe2` writes; the result is checked.
    let made = unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(made, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned here, once each.
    let (read, _write) = unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) };
    let err = SealedArray::<Row>::from_fd(read).unwrap_err();
    assert!(
        matches!(err, Error::NotARegularFile { file_type, .. } if file_type.contains("FIFO")),
        "{err}"
    );
    // A named segment: born with F_SEAL_SEAL only.
    let named = SharedArray::from_fn(10, seed_row).unwrap();
    let file = std::fs::File::open(format!("/dev/shm/{}", named.name())).unwrap();
    let err = SealedArray::<Row>::from_fd(file.into()).unwrap_err();
    assert!(matches!(err, Error::NotSealed { .. }), "{err}");
    // A named segment's name is not a handle.
    let err = SealedArray::<Row>::open(named.name()).unwrap_err();
    assert!(matches!(err, Error::InvalidHandle { .. }), "{err}");
    // A handle of the right form naming a descriptor that is not a sealed array: this process's
    // own copy of the named segment's file.
    let file = std::fs::File::open(format!("/dev/shm/{}", named.name())).unwrap();
    let handle = format!(
        "/proc/{}/fd/{}#0123456789abcdef",
        std::process::id(),
        file.as_raw_fd()
    );
    let err = SealedArray::<Row>::open(&handle).unwrap_err();
    assert!(matches!(err, Error::NotSealed { .. }), "{err}");
    // Nobody there.
    let err = SealedArray::<Row>::open("/proc/999999999/fd/3#0123456789abcdef").unwrap_err();
    assert!(matches!(err, Error::HandleGone { .. }), "{err}");
    // Terminal escapes in a handle do not reach the message raw.
    let err = SealedArray::<Row>::open("\x1b[2J/proc/1/fd/1#00").unwrap_err();
    assert!(!err.to_string().contains('\x1b'), "{err}");
}

#[test]
fn an_inherited_descriptor_opens_in_a_child() {
    // `from_fd` in a child that inherited the descriptor: here through `/proc/<pid>/fd` of a
    // descriptor this process holds, which a child of the same user can open.
    let rows = SealedArray::from_fn(1000, seed_row).unwrap();
    let dup = rows.as_fd().try_clone_to_owned().unwrap();
    let opened = SealedArray::<Row>::from_fd(dup).unwrap();
    assert_eq!(checksum(&opened), checksum(&rows));
    assert_eq!(
        open_in_child(opened.handle()),
        format!("ok len=1000 sum={}", checksum(&rows))
    );
}
