//! Attacks on `SharedArray`'s promises, with real processes, users and namespaces: each test
//! tries to break one promise and asserts an error, never a crash (a child killed by a signal
//! fails the test), and that nothing it made is left in `/dev/shm`.
//!
//! The promises: a full `/dev/shm` is an error, not `SIGBUS`; another user's segment (or one
//! others may write) is refused, while a read-only file of this user opens read-only; a
//! directory, FIFO or link is refused without waiting or following; a creator with fd 0 closed
//! still removes its segment; whether a creator is alive survives pid namespaces; racing and
//! hostile headers give errors, never `Ok` for bytes no writer produces; opened arrays hold no
//! file descriptor; `remove` removes only `shmsafe` segments; stale segments can be listed and
//! removed.
//!
//! Parts that need root (other uids) or namespaces say `SKIPPED` on stderr when they cannot
//! run; as root they must run.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::time::Duration;

use proptest::prelude::*;
use shmsafe::format::{HEADER_SIZE, Header, MAX_LAYOUT_LEN, READY};
use shmsafe::{Error, SegmentState, SharedArray};
use support::{
    INSIDE, Isolation, Names, RawSegment, Row, Spawned, assert_exited_cleanly, at, child, describe,
    exists, header_of, is_root, put, report, reported, seed_row, segment_bytes, shm_path, variant,
    with_header,
};

/// The uid and gid of `nobody`: the "other user" of these tests.
const NOBODY: u32 = 65534;

/// A mebibyte.
const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// The child processes.

/// Not a test of its own: the entry point of the child processes the tests below start. It does
/// nothing unless `SHMSAFE_CHILD` is set.
#[test]
fn child_process_entry() {
    let Some(role) = support::role() else {
        return;
    };
    let name = support::arg();
    match role.as_str() {
        "open" => report(open_outcome(&name)),
        "full-tmpfs" => {
            report(INSIDE);
            full_tmpfs_inside();
            report("done");
        }
        "leftovers" => {
            report(INSIDE);
            leftovers_inside();
            report("done");
        }
        "create-big" => {
            // A creator of `name` bytes of records, racing others for too little space: it
            // holds its segment (written in full) until the parent closes its stdin.
            let len = name.parse::<usize>().unwrap() / 8;
            match SharedArray::<u64>::writer(len) {
                Ok(mut writer) => {
                    writer.fill_parallel(1, |i| i as u64);
                    let array = writer.publish();
                    report(format!("created {}", array.name()));
                    support::wait_for_stdin_to_close();
                }
                Err(e) => report(format!("error {}: {e}", variant(&e))),
            }
        }
        "publish-unwritten" => {
            // Published without writing a record: every page is untouched by the creator.
            let array = SharedArray::<u64>::writer(name.parse::<usize>().unwrap() / 8)
                .unwrap()
                .publish();
            report(array.name());
            support::wait_for_stdin_to_close();
        }
        "read-all" => {
            // SAFETY: no process writes to the segment.
            match unsafe { SharedArray::<u64>::open(&name) } {
                Ok(a) => report(format!(
                    "read len={} sum={}",
                    a.len(),
                    a.iter().copied().fold(0_u64, u64::wrapping_add)
                )),
                Err(e) => report(format!("error {}: {e}", variant(&e))),
            }
        }
        "plant" => {
            // Another user's segment: the bytes from stdin, mode 0666.
            use std::io::{Read, Write};
            use std::os::unix::fs::OpenOptionsExt;
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).unwrap();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(shm_path(&name))
                .unwrap();
            file.write_all(&bytes).unwrap();
            file.set_permissions(std::fs::Permissions::from_mode(0o666))
                .unwrap();
            report(format!(
                "planted uid={}",
                rustix::process::geteuid().as_raw()
            ));
        }
        "least-privilege" => least_privilege_inside(),
        "fd0" => fd0_inside(),
        "writer-wait" => {
            let writer = SharedArray::<Row>::writer(10).unwrap();
            report(format!("{} {}", writer.name(), std::process::id()));
            std::thread::sleep(Duration::from_secs(600));
        }
        "create-then-wait" => {
            let rows = SharedArray::from_fn(1000, seed_row).unwrap();
            report(rows.name());
            std::thread::sleep(Duration::from_secs(600));
        }
        "scribble" => scribble_inside(&name),
        "many-opens" => many_opens_inside(),
        "create-under-signals" => create_under_signals_inside(),
        other => panic!("unknown SHMSAFE_CHILD role {other:?}"),
    }
}

/// The bytes of records, to compare them (`Row`s hold NaNs, which `==` says differ).
fn bytes_of(rows: &[Row]) -> &[u8] {
    shmsafe::slice_as_bytes(rows)
}

/// What opening `name` as `Row` gives, as one line: `ok len=N` or `error Variant: message`.
fn open_outcome(name: &str) -> String {
    // SAFETY: no process writes to the segment's records while it is open here.
    match unsafe { SharedArray::<Row>::open(name) } {
        Ok(rows) => format!("ok len={}", rows.len()),
        Err(e) => format!("error {}: {e}", variant(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// A full /dev/shm.

/// Several creators race for a tmpfs too small for all of them; a reader reads a published
/// array while the tmpfs is full.
#[test]
fn a_full_dev_shm_is_an_error_never_sigbus() {
    let Some(lines) = support::run_driver_in_private_shm(
        "8m",
        "full-tmpfs",
        "a full /dev/shm (private tmpfs of 8 MiB)",
        Duration::from_secs(300),
    ) else {
        return;
    };
    eprintln!("{}", lines.join("\n"));
}

/// Runs inside the private mount namespace, where `/dev/shm` is an 8 MiB tmpfs of its own: the
/// whole of it may be checked.
fn full_tmpfs_inside() {
    let dev_shm_is_empty = || {
        let left: Vec<_> = std::fs::read_dir("/dev/shm")
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "left in the private /dev/shm: {left:?}");
    };
    dev_shm_is_empty();

    // 1. Four creators of 5 MiB each on 8 MiB, in five rounds. Each holds its segment until all
    // four have tried, so at most one can succeed and at least three must be refused.
    let (mut created, mut refused) = (0, 0);
    for round in 0..5 {
        let mut creators: Vec<Spawned> = (0..4)
            .map(|_| Spawned::new(&mut child("create-big", &(5 * MIB).to_string()), true))
            .collect();
        let outcomes: Vec<String> = creators
            .iter_mut()
            .map(|c| c.next_report().unwrap_or_else(|| "nothing".into()))
            .collect();
        for c in &mut creators {
            assert_exited_cleanly(c.wait(), &format!("a creator in round {round}"));
        }
        for outcome in &outcomes {
            if outcome.starts_with("created ") {
                created += 1;
            } else {
                assert!(
                    outcome.starts_with("error NoSpace: segment `shmsafe_")
                        && outcome.contains(&format!("needs {} bytes", 5 * MIB + 128)),
                    "round {round}: {outcome}"
                );
                refused += 1;
            }
        }
        assert!(
            outcomes.iter().filter(|o| o.starts_with("created")).count() <= 1,
            "{outcomes:?}"
        );
        dev_shm_is_empty();
    }
    assert!(refused >= 15, "{refused} refused");
    report(format!(
        "race: {created} created, {refused} refused with NoSpace, no signal"
    ));

    // 2. One process, two writers: the second is refused, the first is filled in full.
    let mut first = SharedArray::<u64>::writer(5 * MIB / 8).unwrap();
    let second = SharedArray::<u64>::writer(5 * MIB / 8);
    assert!(
        matches!(second, Err(Error::NoSpace { .. })),
        "{:?}",
        second.map(|w| w.name().to_owned())
    );
    first.fill_parallel(1, |i| i as u64);
    let first = first.publish();
    assert_eq!(first[5 * MIB / 8 - 1], (5 * MIB / 8 - 1) as u64);
    drop(first);
    dev_shm_is_empty();
    report("one process, two writers: the second got NoSpace");

    // 3. A published array none of whose records was ever written, then a full tmpfs: a reader
    // in another process reads every record (its reads allocate nothing: the creator reserved
    // every page).
    let mut creator = Spawned::new(
        &mut child("publish-unwritten", &(4 * MIB).to_string()),
        true,
    );
    let name = creator.next_report().expect("the creator's name");
    let filler = "/dev/shm/filler";
    {
        use std::io::Write;
        let mut file = std::fs::File::create(filler).unwrap();
        let chunk = vec![0xA5_u8; 64 * 1024];
        let err = loop {
            if let Err(e) = file.write_all(&chunk) {
                break e;
            }
        };
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
    }
    let small = SharedArray::from_fn(1000, |i| i as u64);
    assert!(matches!(small, Err(Error::NoSpace { .. })), "{small:?}");
    let out = support::output_within(&mut child("read-all", &name), Duration::from_secs(60));
    assert_exited_cleanly(out.status, "the reader of a full tmpfs");
    assert_eq!(
        reported(&out.stdout),
        vec![format!("read len={} sum=0", 4 * MIB / 8)],
        "{}",
        describe(&out)
    );
    assert_exited_cleanly(creator.wait(), "the creator");
    std::fs::remove_file(filler).unwrap();
    dev_shm_is_empty();
    report("a reader read every record of a published array on a full tmpfs");
}

/// A creator bombarded with signals (handled, so they interrupt system calls) while it reserves
/// its space still creates its segment. Whether a handled signal can stop a tmpfs `fallocate`
/// with `EINTR` depends on the kernel (the one this was written on never did); whatever the
/// kernel does, an interruption must not become an error for the caller.
#[test]
fn signals_during_creation_do_not_fail_it() {
    let mut creator = Spawned::new(&mut child("create-under-signals", ""), false);
    // The signals go to the creating thread itself (a signal sent to the process may be taken
    // by another of its threads, leaving the creator uninterrupted).
    let tid: libc::pid_t = creator
        .next_report()
        .and_then(|l| l.strip_prefix("ready, thread ")?.parse().ok())
        .expect("the creator's thread id");
    let pid = creator.child.id() as libc::pid_t;
    let mut sent = 0_u64;
    while creator.child.try_wait().unwrap().is_none() {
        // SAFETY: `tgkill` only sends a signal; a thread that has exited makes it fail with
        // ESRCH, which is ignored.
        unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGUSR1) };
        sent += 1;
    }
    let outcome = creator.next_report().unwrap_or_default();
    assert_exited_cleanly(creator.wait(), "the creator under signals");
    eprintln!("{sent} signals sent: {outcome}");
    assert!(
        outcome.starts_with(&format!("{SIGNALLED_CREATIONS} created, handled ")),
        "{outcome}"
    );
}

/// How many 32 MiB segments the signalled creator makes.
const SIGNALLED_CREATIONS: usize = 20;

fn create_under_signals_inside() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static HANDLED: AtomicU64 = AtomicU64::new(0);
    extern "C" fn on_signal(_: libc::c_int) {
        HANDLED.fetch_add(1, Ordering::Relaxed);
    }
    // SAFETY: a zeroed `sigaction` is a valid "no flags, empty mask" value; the handler only
    // touches an atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = core::mem::zeroed();
        action.sa_sigaction = on_signal as *const () as usize;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, core::ptr::null_mut()),
            0
        );
    }
    // SAFETY: `gettid` has no preconditions.
    let tid = unsafe { libc::gettid() };
    report(format!("ready, thread {tid}"));
    let mut errors = Vec::new();
    let mut created = 0;
    for _ in 0..SIGNALLED_CREATIONS {
        match SharedArray::<u64>::writer(32 * MIB / 8) {
            Ok(_) => created += 1,
            Err(e) => errors.push(format!("{}: {e}", variant(&e))),
        }
    }
    report(format!(
        "{created} created, handled {} signals; errors: {errors:?}",
        HANDLED.load(Ordering::Relaxed)
    ));
}

// ---------------------------------------------------------------------------------------------
// Other users, and modes.

/// A perfectly valid segment planted by another user with mode 0666 is refused, and says whose
/// it is.
#[test]
fn another_users_planted_segment_is_untrusted() {
    if !is_root() {
        eprintln!("SKIPPED (needs root to act as another user): a segment planted by another uid");
        return;
    }
    let rows = SharedArray::from_fn(100, seed_row).unwrap();
    let bytes = segment_bytes(rows.name());
    let mut names = Names::default();
    let name = names.add(&support::unique_name("_planted"));
    let mut cmd = child("plant", &name);
    cmd.uid(NOBODY).gid(NOBODY);
    let mut planter = Spawned::new(&mut cmd, true);
    {
        use std::io::Write;
        planter
            .child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(&bytes)
            .unwrap();
    }
    planter.close_stdin();
    assert_eq!(planter.next_report().as_deref(), Some("planted uid=65534"));
    assert_exited_cleanly(planter.wait(), "the planter");
    let meta = std::fs::metadata(shm_path(&name)).unwrap();
    assert_eq!(
        (
            std::os::unix::fs::MetadataExt::uid(&meta),
            meta.permissions().mode() & 0o777
        ),
        (NOBODY, 0o666)
    );
    // Its bytes are exactly a valid segment's: only the file's owner and mode are wrong.
    assert_eq!(segment_bytes(&name), bytes);

    // SAFETY: nothing writes to the segment's records while it is open.
    let err = unsafe { SharedArray::<Row>::open(&name) }.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Untrusted {
                owner: NOBODY,
                mode: 0o666,
                uid: 0,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("belongs to user id 65534 (mode 0666)"),
        "{msg}"
    );
    // And in another process too.
    assert!(support::ask_child("open", &name).starts_with("error Untrusted"));
    drop(names);
    assert!(!exists(&name));
}

/// A file of this user that others may write is refused, whatever its bytes.
#[test]
fn a_group_or_other_writable_segment_is_untrusted() {
    let rows = SharedArray::from_fn(10, seed_row).unwrap();
    let raw = RawSegment::new(&segment_bytes(rows.name()));
    assert_eq!(support::ask_child("open", &raw.name), "ok len=10");
    for mode in [0o620, 0o666, 0o602] {
        raw.chmod(mode);
        // SAFETY: nothing writes to the segment's records while it is open.
        let err = unsafe { SharedArray::<Row>::open(&raw.name) }.unwrap_err();
        assert!(
            matches!(err, Error::Untrusted { mode: m, .. } if m == mode),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&format!(
                "can be written by users other than its owner (mode {mode:04o})"
            )),
            "{msg}"
        );
    }
}

/// A read-only (0400) segment of this user opens, read-only: `open` needs read permission only.
#[test]
fn a_read_only_segment_of_this_user_opens() {
    if is_root() {
        // Root reads and writes any file: the test is only meaningful for another user.
        let mut names = Names::default();
        let mut cmd = child("least-privilege", "");
        cmd.uid(NOBODY).gid(NOBODY);
        let mut c = Spawned::new(&mut cmd, false);
        let name = c.next_report().expect("the segment's name");
        names.add(&name);
        let line = c.next_report().unwrap_or_default();
        assert_exited_cleanly(c.wait(), "the least-privilege child");
        assert_eq!(
            line,
            "ok: read-write open refused, read-only open read 1000 rows"
        );
        assert!(!exists(&name));
    } else {
        least_privilege_inside();
    }
}

/// As a user that cannot override file permissions: a 0400 segment of its own.
fn least_privilege_inside() {
    let rows = SharedArray::from_fn(1000, seed_row).unwrap();
    report(rows.name());
    let path = shm_path(rows.name());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    // What a backend that opens read-write would get:
    let rw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path);
    assert_eq!(
        rw.map(drop).unwrap_err().kind(),
        std::io::ErrorKind::PermissionDenied
    );
    // SAFETY: nothing writes to the segment's records while it is open.
    let seen = unsafe { SharedArray::<Row>::open(rows.name()) }.unwrap();
    assert_eq!(bytes_of(&seen), bytes_of(&rows));
    report(format!(
        "ok: read-write open refused, read-only open read {} rows",
        seen.len()
    ));
}

/// A reader running as another user cannot open a 0600 segment.
#[test]
fn a_reader_of_another_user_is_permission_denied() {
    if !is_root() {
        eprintln!("SKIPPED (needs root to run a reader as another user): setpriv reader");
        return;
    }
    let rows = SharedArray::from_fn(4, seed_row).unwrap();
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args(support::entry_args())
        .env("SHMSAFE_CHILD", "open")
        .env("SHMSAFE_NAME", rows.name());
    let out = support::output_within(&mut cmd, Duration::from_secs(60));
    assert_exited_cleanly(out.status, "the reader");
    let line = reported(&out.stdout).pop().unwrap_or_default();
    assert!(
        line.starts_with("error PermissionDenied: permission denied for segment"),
        "{}",
        describe(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// Files that are not segments.

/// A directory, a FIFO and a symbolic link to a valid segment, each named like a segment, are
/// refused as what they are, in another process (which must not hang on the FIFO).
#[test]
fn a_directory_fifo_or_link_is_not_a_regular_file() {
    let rows = SharedArray::from_fn(10, seed_row).unwrap();
    let mut names = Names::default();

    let dir = names.add(&support::unique_name("_dir"));
    std::fs::create_dir(shm_path(&dir)).unwrap();
    let fifo = names.add(&support::unique_name("_fifo"));
    rustix::fs::mknodat(
        rustix::fs::CWD,
        shm_path(&fifo).as_str(),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        0,
    )
    .unwrap();
    let link = names.add(&support::unique_name("_link"));
    std::os::unix::fs::symlink(shm_path(rows.name()), shm_path(&link)).unwrap();

    for (name, what) in [
        (&dir, "a directory"),
        (&fifo, "a FIFO (named pipe)"),
        (&link, "a symbolic link"),
    ] {
        let line = support::ask_child("open", name);
        assert!(
            line.starts_with(&format!("error NotARegularFile: `{name}` is {what}, not a")),
            "{line}"
        );
        // `remove` refuses them too, and `segments` skips them.
        assert!(matches!(
            shmsafe::remove(name),
            Err(Error::NotARegularFile { .. })
        ));
    }
    let listed = shmsafe::segments().unwrap();
    assert!(
        listed
            .iter()
            .all(|s| ![&dir, &fifo, &link].contains(&&s.name))
    );
    // The link's target is fine, and still there.
    assert_eq!(support::ask_child("open", rows.name()), "ok len=10");
    drop(names);
    for name in [&dir, &fifo, &link] {
        assert!(!exists(name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// File descriptor 0.

/// A creator whose standard input is closed gets fd 0 for its segment, and still removes it.
#[test]
fn a_creator_with_fd_0_closed_removes_its_segment() {
    let mut names = Names::default();
    let out = support::output_within(&mut child("fd0", ""), Duration::from_secs(60));
    assert_exited_cleanly(out.status, "the fd-0 creator");
    let lines = reported(&out.stdout);
    let [created, gone] = lines.as_slice() else {
        panic!("{}", describe(&out))
    };
    let name = created
        .strip_prefix("fd 0 is /dev/shm/")
        .unwrap_or_else(|| panic!("{created}"));
    names.add(name);
    assert!(name.starts_with("shmsafe_"), "{name}");
    assert_eq!(
        gone,
        &format!("{name} removed on drop; it read 100 rows back")
    );
    assert!(!exists(name));
}

fn fd0_inside() {
    // Really close descriptor 0, as a daemon or a `<&-` shell redirection does.
    // SAFETY: nothing in this process uses descriptor 0 (stdin) afterwards; the next file
    // opened takes its number.
    assert_eq!(unsafe { libc::close(0) }, 0);
    let rows = SharedArray::from_fn(100, seed_row).unwrap();
    let fd0 = std::fs::read_link("/proc/self/fd/0").unwrap();
    report(format!("fd 0 is {}", fd0.display()));
    assert_eq!(fd0.to_str().unwrap(), shm_path(rows.name()));
    // SAFETY: nothing writes to the segment's records while it is open.
    let seen = unsafe { SharedArray::<Row>::open(rows.name()) }.unwrap();
    assert_eq!(bytes_of(&seen), bytes_of(&rows));
    let name = rows.name().to_owned();
    drop((seen, rows));
    assert!(!exists(&name), "{name} left behind");
    report(format!("{name} removed on drop; it read 100 rows back"));
}

// ---------------------------------------------------------------------------------------------
// Pid namespaces.

/// A creator that is pid 1 in its own pid namespace: while it runs its unpublished segment is
/// "still being written"; once it is killed, "no longer holds it", though pid 1 runs on the host.
#[test]
fn a_creator_in_a_pid_namespace_is_alive_until_killed() {
    let mut names = Names::default();
    let mut unshare = Spawned::new(
        &mut support::isolated(Isolation::Pid, "writer-wait", ""),
        false,
    );
    let Some(line) = unshare.next_report() else {
        let status = unshare.wait();
        support::namespaces_unavailable(
            "a creator in a pid namespace",
            &format!("no report, {status:?}"),
        );
        return;
    };
    let (name, pid) = line.split_once(' ').unwrap();
    names.add(name);
    assert_eq!(pid, "1", "the creator is pid 1 in its namespace");

    let alive = open_outcome(name);
    assert!(
        alive.starts_with(&format!(
            "error NotReady: segment `{name}` is still being written by its creator (pid 1)"
        )),
        "{alive}"
    );
    // SAFETY: nothing writes to the records while open.
    let err = unsafe { SharedArray::<Row>::open(name) }.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotReady {
                creator_pid: 1,
                creator_running: true,
                ..
            }
        ),
        "{err}"
    );

    // Kill the creator (unshare's child), then wait for unshare, which waits for it.
    let creator = children_of(unshare.child.id());
    assert_eq!(creator.len(), 1, "unshare forks one child: {creator:?}");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(creator[0]).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    // unshare reports its child's death as a failure (how, depends on its version).
    assert!(!unshare.wait().success());

    assert!(exists(name), "a killed creator cannot remove its segment");
    // SAFETY: as above.
    let err = unsafe { SharedArray::<Row>::open(name) }.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotReady {
                creator_pid: 1,
                creator_running: false,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("no longer holds it"), "{err}");
    let info = shmsafe::segments().unwrap();
    let info = info.iter().find(|s| s.name == name).unwrap();
    assert!(
        !info.creator_alive && info.state == SegmentState::Writing,
        "{info:?}"
    );
    shmsafe::remove(name).unwrap();
    assert!(!exists(name));
}

/// The pids whose parent is `parent`, from `/proc`.
fn children_of(parent: u32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if ppid == parent {
            found.push(pid);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Header races.

/// The number of opens raced against the scribbler.
const RACING_OPENS: usize = 5000;
/// The number of records of the raced segment.
const RACED_LEN: usize = 100;

/// One process rewrites a forged segment's header and layout section as fast as it can while
/// this one opens it thousands of times: every open is `Ok` with the right records or a proper
/// error, and every message is printable.
#[test]
fn racing_header_rewrites_give_errors_never_crashes() {
    let rows = SharedArray::from_fn(RACED_LEN, seed_row).unwrap();
    let raw = RawSegment::new(&segment_bytes(rows.name()));
    drop(rows);
    let mut scribbler = Spawned::new(&mut child("scribble", &raw.name), true);
    assert_eq!(scribbler.next_report().as_deref(), Some("scribbling"));
    let expected_dates = (0..RACED_LEN)
        .map(|i| seed_row(i).date)
        .fold(0_i64, i64::wrapping_add);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..RACING_OPENS {
        // SAFETY: the scribbler writes the header and the layout section only, never the
        // records this process reads.
        match unsafe { SharedArray::<Row>::open(&raw.name) } {
            Ok(a) => {
                assert_eq!(a.len(), RACED_LEN);
                assert_eq!(
                    a.iter().map(|r| r.date).fold(0_i64, i64::wrapping_add),
                    expected_dates
                );
                *outcomes.entry("Ok").or_default() += 1;
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    !msg.chars().any(char::is_control),
                    "raw control character: {msg:?}"
                );
                if let Error::LayoutMismatch { found, .. } = &e {
                    // A `String`: valid UTF-8, displayable, without control characters.
                    assert!(!found.chars().any(char::is_control), "{found:?}");
                }
                assert!(
                    !matches!(
                        variant(&e),
                        "Other" | "Os" | "NotFound" | "PermissionDenied"
                    ),
                    "{e}"
                );
                *outcomes.entry(variant(&e)).or_default() += 1;
            }
        }
    }
    scribbler.close_stdin();
    let rewrites = scribbler.next_report().unwrap_or_default();
    assert_exited_cleanly(scribbler.wait(), "the scribbler");
    eprintln!("{RACING_OPENS} opens against {rewrites}: {outcomes:?}");
    assert_eq!(outcomes.values().sum::<usize>(), RACING_OPENS);
}

/// Maps `name` read-write and rewrites its header and layout section until stdin closes (at
/// most 30 seconds).
fn scribble_inside(name: &str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(shm_path(name))
        .unwrap();
    let original = segment_bytes(name);
    let header = header_of(&original);
    let prefix_len = HEADER_SIZE + header.layout_len as usize;
    // SAFETY: a fresh shared mapping of the whole file, which stays this size; it is only
    // written through volatile byte writes below and unmapped when the process exits.
    let map = unsafe {
        rustix::mm::mmap(
            core::ptr::null_mut(),
            original.len(),
            rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
            rustix::mm::MapFlags::SHARED,
            &file,
            0,
        )
    }
    .unwrap()
    .cast::<u8>();
    let write = |offset: usize, bytes: &[u8]| {
        for (i, b) in bytes.iter().enumerate() {
            assert!(offset + i < prefix_len);
            // SAFETY: in bounds of the mapping (the header and layout section only).
            unsafe { map.add(offset + i).write_volatile(*b) };
        }
    };
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            support::wait_for_stdin_to_close();
            done.store(true, Ordering::Relaxed);
        })
    };
    report("scribbling");
    let start = std::time::Instant::now();
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut rewrites = 0_u64;
    while !done.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(30) {
        rewrites += 1;
        let r = next();
        match r % 9 {
            0 => write(0, &original[..prefix_len]),
            1 => {
                let state = [0, READY, 2, u32::MAX][(r >> 8) as usize % 4];
                write(at::state().start, &state.to_ne_bytes());
            }
            2 => {
                let len = [
                    0,
                    1,
                    header.layout_len,
                    header.layout_len + 1,
                    65536,
                    65537,
                    u32::MAX,
                ][(r >> 8) as usize % 7];
                write(at::layout_len().start, &len.to_ne_bytes());
            }
            3 => {
                let off = [header.data_offset, header.data_offset + 64, 0, 3, u64::MAX]
                    [(r >> 8) as usize % 5];
                write(at::data_offset().start, &off.to_ne_bytes());
            }
            4 => {
                let len = [header.len, header.len - 1, header.len + 1, 0, u64::MAX]
                    [(r >> 8) as usize % 5];
                write(at::len().start, &len.to_ne_bytes());
            }
            5 => {
                // Terminal escapes, and a UTF-8 sequence cut in half, in the layout text.
                let at_ = HEADER_SIZE + (r >> 8) as usize % (prefix_len - HEADER_SIZE - 4);
                write(at_, &[0x1b, b'[', 0xE2, 0x82]);
                write(at::fingerprint().start, &next().to_ne_bytes());
            }
            6 => {
                let at_ = (r >> 8) as usize % prefix_len;
                write(at_, &[(r >> 32) as u8]);
            }
            7 => write(at::fingerprint().start, &next().to_ne_bytes()),
            _ => {
                let random: Vec<u8> = (0..HEADER_SIZE).map(|_| next() as u8).collect();
                write(0, &random);
            }
        }
    }
    write(0, &original[..prefix_len]);
    report(format!("{rewrites} rewrites"));
    drop(watcher);
}

// ---------------------------------------------------------------------------------------------
// Hostile headers.

/// A mutation of one header field.
#[derive(Clone, Debug)]
enum Mutation {
    State(u32),
    DataOffset(i64),
    Len(i64),
    LayoutLen(u32),
    Nonce(u64),
    RecordSize(u32),
    RecordAlign(u32),
    Fingerprint(u64),
    Version(u32),
    CreatorPid(u32),
    /// Bytes added to (positive) or cut from (negative) the end of the file.
    Resize(i64),
    /// A byte of the layout text replaced.
    LayoutByte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop_oneof![Just(0), Just(1), Just(2), Just(u32::MAX), any::<u32>()]
            .prop_map(Mutation::State),
        prop_oneof![Just(0_i64), Just(64), Just(-64), -200..200_i64].prop_map(Mutation::DataOffset),
        prop_oneof![Just(0_i64), Just(1), Just(-1), Just(i64::MAX), -3..3_i64]
            .prop_map(Mutation::Len),
        prop_oneof![
            Just(0),
            Just(1),
            Just(MAX_LAYOUT_LEN as u32),
            Just(MAX_LAYOUT_LEN as u32 + 1),
            Just(u32::MAX),
            0..300_u32
        ]
        .prop_map(Mutation::LayoutLen),
        prop_oneof![Just(0), any::<u64>()].prop_map(Mutation::Nonce),
        prop_oneof![Just(0), Just(8), Just(23), Just(25), any::<u32>()]
            .prop_map(Mutation::RecordSize),
        prop_oneof![Just(0), Just(1), Just(4), Just(16), Just(3)].prop_map(Mutation::RecordAlign),
        any::<u64>().prop_map(Mutation::Fingerprint),
        prop_oneof![Just(0), Just(1), Just(3), any::<u32>()].prop_map(Mutation::Version),
        any::<u32>().prop_map(Mutation::CreatorPid),
        prop_oneof![
            Just(-1_i64),
            Just(1),
            Just(24),
            Just(-24),
            Just(4096),
            -100..100_i64
        ]
        .prop_map(Mutation::Resize),
        (
            0..200_usize,
            prop_oneof![0..32_u8, Just(0x7f), Just(0x9b), Just(0xff), any::<u8>()]
        )
            .prop_map(|(i, b)| Mutation::LayoutByte(i, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let edit = |bytes: &mut Vec<u8>, f: &dyn Fn(&mut Header)| {
        if bytes.len() >= HEADER_SIZE {
            *bytes = with_header(bytes, f);
        }
    };
    match *m {
        Mutation::State(v) => edit(bytes, &|h| h.state = v),
        Mutation::DataOffset(d) => edit(bytes, &|h| {
            h.data_offset = h.data_offset.wrapping_add_signed(d)
        }),
        Mutation::Len(d) => edit(bytes, &|h| h.len = h.len.wrapping_add_signed(d)),
        Mutation::LayoutLen(v) => edit(bytes, &|h| h.layout_len = v),
        Mutation::Nonce(v) => edit(bytes, &|h| h.nonce = v),
        Mutation::RecordSize(v) => edit(bytes, &|h| h.record_size = v),
        Mutation::RecordAlign(v) => edit(bytes, &|h| h.record_align = v),
        Mutation::Fingerprint(v) => edit(bytes, &|h| h.fingerprint = v),
        Mutation::Version(v) => edit(bytes, &|h| h.version = v),
        Mutation::CreatorPid(v) => edit(bytes, &|h| h.creator_pid = v),
        Mutation::Resize(d) => {
            let len = (bytes.len() as i64 + d).max(0) as usize;
            bytes.resize(len, 0x5A);
        }
        Mutation::LayoutByte(_, _) if bytes.len() < HEADER_SIZE => {}
        Mutation::LayoutByte(i, b) => {
            let layout_len = header_of(bytes).layout_len as usize;
            if layout_len > 0 && HEADER_SIZE + layout_len <= bytes.len() {
                bytes[HEADER_SIZE + i % layout_len] = b;
            }
        }
    }
}

/// The rules of the format (FORMAT.md), written again independently of `format::validate`:
/// whether a writer of `Row`s could have produced this header for a file of this size, and
/// published it.
fn a_writer_could_have_published(h: &Header, size: usize, reference: &Header) -> bool {
    let layout_len = h.layout_len as usize;
    let planned = (HEADER_SIZE + layout_len).next_multiple_of(64.max(align_of::<Row>()));
    h.magic == reference.magic
        && h.version == reference.version
        && h.state == READY
        && h.fingerprint == reference.fingerprint
        && h.record_size == reference.record_size
        && h.record_align == reference.record_align
        && (1..=MAX_LAYOUT_LEN).contains(&layout_len)
        && h.data_offset == planned as u64
        && h.nonce != 0
        && h.len
            .checked_mul(u64::from(h.record_size))
            .and_then(|b| b.checked_add(h.data_offset))
            == Some(size as u64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Headers derived from a valid one by changing fields and the file's size: `open` is `Ok`
    /// exactly when a writer could have produced them (and then reads the right records), and
    /// no error message carries a raw control character from the segment.
    #[test]
    fn hostile_headers_open_only_when_a_writer_could_have_made_them(
        len in 0..20_usize,
        mutations in proptest::collection::vec(mutation(), 0..4),
    ) {
        let rows = SharedArray::from_fn(len, seed_row).unwrap();
        let original = segment_bytes(rows.name());
        let reference = header_of(&original);
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let raw = RawSegment::new(&bytes);
        // SAFETY: nothing writes to the segment's records while it is open.
        let opened = unsafe { SharedArray::<Row>::open(&raw.name) };
        let valid = bytes.len() >= HEADER_SIZE
            && a_writer_could_have_published(&header_of(&bytes), bytes.len(), &reference);
        match opened {
            Ok(a) => {
                prop_assert!(valid, "Ok for a header no writer produces: {:?}", header_of(&bytes));
                let data = header_of(&bytes).data_offset as usize;
                prop_assert_eq!(bytes_of(&a), &bytes[data..]);
            }
            Err(e) => {
                prop_assert!(!valid, "refused a header a writer produces: {}", e);
                let msg = e.to_string();
                prop_assert!(!msg.chars().any(char::is_control), "raw control character: {:?}", msg);
            }
        }
    }
}

/// The layout text of a hostile segment, full of terminal escapes, reaches the message escaped.
#[test]
fn control_characters_in_the_layout_text_are_escaped_in_messages() {
    let rows = SharedArray::from_fn(3, seed_row).unwrap();
    let mut bytes = segment_bytes(rows.name());
    let evil = b"\x1b[2J\x1b]0;pwned\x07\r\x08\x7f\xc2\x9b";
    bytes[HEADER_SIZE..HEADER_SIZE + evil.len()].copy_from_slice(evil);
    let raw = RawSegment::new(&bytes);
    // SAFETY: nothing writes to the segment's records while it is open.
    let err = unsafe { SharedArray::<[u64; 3]>::open(&raw.name) }.unwrap_err();
    let Error::LayoutMismatch { found, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        found.starts_with("\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}\\u{8}\\u{7f}\\u{9b}"),
        "{found}"
    );
    let msg = err.to_string();
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
    // The listing escapes it too.
    let listed = shmsafe::segments().unwrap();
    let mine = listed.iter().find(|s| s.name == raw.name).unwrap();
    assert!(
        !mine.layout.chars().any(char::is_control),
        "{:?}",
        mine.layout
    );
}

// ---------------------------------------------------------------------------------------------
// Many opens.

/// Opening the same array 2000 times and holding every one needs no file descriptor each: it
/// works under a limit of 64 open files.
#[test]
fn two_thousand_open_arrays_hold_no_file_descriptors() {
    let line = support::ask_child("many-opens", "");
    assert_eq!(line, "held 2000 opens under a limit of 64 descriptors");
}

fn many_opens_inside() {
    let rows = SharedArray::from_fn(10, seed_row).unwrap();
    let open_fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    let before = open_fds();
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    rustix::process::setrlimit(
        rustix::process::Resource::Nofile,
        rustix::process::Rlimit {
            current: Some(64),
            ..limit
        },
    )
    .unwrap();
    let held: Vec<SharedArray<Row>> = (0..2000)
        .map(|i| {
            // SAFETY: nothing writes to the segment's records while it is open.
            unsafe { SharedArray::<Row>::open(rows.name()) }
                .unwrap_or_else(|e| panic!("open {i}: {e}"))
        })
        .collect();
    assert_eq!(open_fds(), before, "opened arrays hold descriptors");
    assert!(held.iter().all(|a| bytes_of(a) == bytes_of(&rows)));
    report(format!(
        "held {} opens under a limit of 64 descriptors",
        held.len()
    ));
}

// ---------------------------------------------------------------------------------------------
// Removing what is not ours.

/// `remove` refuses a Python-style segment and a POSIX semaphore; `remove_any` removes them.
#[test]
fn remove_refuses_what_is_not_a_shmsafe_segment() {
    let python = RawSegment::named(
        format!("psm_{}", support::unique_name("")),
        &(0..4096_u32).map(|i| (i * 7) as u8).collect::<Vec<_>>(),
        0o600,
    );
    // A glibc POSIX semaphore (`sem_open("/x")`) is a 32-byte file `/dev/shm/sem.x`.
    let semaphore = RawSegment::named(format!("sem.{}", support::unique_name("")), &[1; 32], 0o600);
    let err = shmsafe::remove(&python.name).unwrap_err();
    assert!(matches!(err, Error::NotShmsafe { .. }), "{err}");
    let err = shmsafe::remove(&semaphore.name).unwrap_err();
    assert!(matches!(err, Error::TooSmall { size: 32, .. }), "{err}");
    assert!(exists(&python.name) && exists(&semaphore.name));
    shmsafe::remove_any(&python.name).unwrap();
    shmsafe::remove_any(&semaphore.name).unwrap();
    assert!(!exists(&python.name) && !exists(&semaphore.name));
    // A shmsafe segment of another version or with a damaged header is still one: `remove`
    // takes it.
    let rows = SharedArray::from_fn(2, seed_row).unwrap();
    let mut bytes = segment_bytes(rows.name());
    put(&mut bytes, at::version(), &7_u32.to_ne_bytes());
    let old = RawSegment::new(&bytes);
    shmsafe::remove(&old.name).unwrap();
    assert!(!exists(&old.name));
}

// ---------------------------------------------------------------------------------------------
// Leftovers.

/// `segments` tells a live creator's array from a killed one's, on the real `/dev/shm` (only
/// this test's names are checked).
#[test]
fn segments_tell_live_creators_from_killed_ones() {
    let mut names = Names::default();
    let mut live = Spawned::new(&mut child("create-then-wait", ""), false);
    let live_name = names.add(&live.next_report().unwrap());
    let mut killed = Spawned::new(&mut child("create-then-wait", ""), false);
    let killed_name = names.add(&killed.next_report().unwrap());
    assert_eq!(killed.kill().signal(), Some(libc::SIGKILL));

    let listed = shmsafe::segments().unwrap();
    let find = |name: &str| listed.iter().find(|s| s.name == name).cloned().unwrap();
    let (l, k) = (find(&live_name), find(&killed_name));
    assert!(l.creator_alive && !l.is_stale(), "{l:?}");
    assert!(!k.creator_alive && k.is_stale(), "{k:?}");
    for s in [&l, &k] {
        assert_eq!(
            (s.state, s.len, s.version),
            (SegmentState::Ready, 1000, 2),
            "{s:?}"
        );
        assert!(s.layout.starts_with("Row {date: <i8 @0"), "{s:?}");
        assert_eq!(s.size, std::fs::metadata(shm_path(&s.name)).unwrap().len());
    }
    live.kill();
    shmsafe::remove(&live_name).unwrap();
    shmsafe::remove(&killed_name).unwrap();
}

/// `remove_stale` removes exactly the segments whose creator is gone. It runs in a private
/// `/dev/shm`, so that it cannot remove other programs' leftovers (or other tests').
#[test]
fn remove_stale_removes_exactly_the_stale_segments() {
    // The driver's checks run inside; `None` means it said why it could not run.
    support::run_driver_in_private_shm(
        "16m",
        "leftovers",
        "remove_stale in a private /dev/shm",
        Duration::from_secs(120),
    );
}

fn leftovers_inside() {
    let mut live = Spawned::new(&mut child("create-then-wait", ""), false);
    let live_name = live.next_report().unwrap();
    let mut stale = Vec::new();
    for _ in 0..2 {
        let mut killed = Spawned::new(&mut child("create-then-wait", ""), false);
        stale.push(killed.next_report().unwrap());
        killed.kill();
    }
    let mut unpublished = Spawned::new(&mut child("writer-wait", ""), false);
    let line = unpublished.next_report().unwrap();
    let unpublished_name = line.split(' ').next().unwrap().to_owned();
    unpublished.kill();
    stale.push(unpublished_name.clone());
    // Not shmsafe segments: never listed, never removed.
    let other = RawSegment::named("psm_other".into(), &[7; 4096], 0o600);

    let mut listed: Vec<String> = shmsafe::segments()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut expected = stale.clone();
    expected.push(live_name.clone());
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);

    let mut removed: Vec<String> = shmsafe::remove_stale()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    removed.sort();
    stale.sort();
    assert_eq!(removed, stale);
    assert!(exists(&live_name) && exists(&other.name));
    assert!(stale.iter().all(|n| !exists(n)));
    assert!(shmsafe::remove_stale().unwrap().is_empty());
    live.kill();
    let removed: Vec<String> = shmsafe::remove_stale()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(removed, vec![live_name]);
    drop(other);
    assert_eq!(std::fs::read_dir("/dev/shm").unwrap().count(), 0);
}
