//! Live updates across real processes: a publisher publishing flat out, readers checking every
//! snapshot is whole, a killed reader, a killed publisher, an attacker of the same user, and
//! memory back where it started.
//!
//! The other processes are this test binary itself, re-executed with `SHMSAFE_LIVE_ROLE` set:
//! it then runs only `child_process_entry`, which plays that role and reports on stdout, one
//! line per event, after `MARK`. Nothing here ever names a file in `/dev/shm`.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

use shmsafe::{Error, Publisher, SealedArray, ShmSafe, Snapshot, Subscriber};

/// A record that says which generation it belongs to, and where it sits.
#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Tick {
    generation: u64,
    index: u64,
    check: u64,
}

fn tick(generation: u64, index: usize) -> Tick {
    let index = index as u64;
    Tick {
        generation,
        index,
        check: generation.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index,
    }
}

/// Builds the snapshot the publisher will give generation `generation`.
fn snapshot_for(generation: u64, len: usize) -> SealedArray<Tick> {
    SealedArray::from_fn(len, |i| tick(generation, i)).unwrap()
}

/// Checks that every record of `snapshot` belongs to its generation and sits at its index;
/// returns the number of records checked.
fn check_whole(snapshot: &Snapshot<Tick>) -> Result<usize, String> {
    let g = snapshot.generation();
    for (i, record) in snapshot.iter().enumerate() {
        if *record != tick(g, i) {
            return Err(format!(
                "snapshot of generation {g} holds {record:?} at index {i}"
            ));
        }
    }
    Ok(snapshot.len())
}

// ---------------------------------------------------------------------------------------------
// The child process.

/// Starts what a child reports, since libtest prints `test child_process_entry ... ` before it on
/// the same line.
const MARK: &str = "@@ ";

macro_rules! report {
    ($($arg:tt)*) => {{
        println!("{MARK}{}", format!($($arg)*));
    }};
}

/// Not a test of its own: the entry point of the child processes the tests below start. It does
/// nothing unless `SHMSAFE_LIVE_ROLE` is set.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var("SHMSAFE_LIVE_ROLE") else {
        return;
    };
    let handle = std::env::var("SHMSAFE_LIVE_HANDLE").unwrap_or_default();
    match role.as_str() {
        "publisher" => {
            let mut publisher = Publisher::<Tick>::new().unwrap();
            report!("handle {}", publisher.handle());
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(2) {
                let g = publisher.generation() + 1;
                assert_eq!(publisher.publish(snapshot_for(g, 20_000)).unwrap(), g);
            }
            report!("published {}", publisher.generation());
            // Keeps publishing, more slowly, until killed.
            loop {
                let g = publisher.generation() + 1;
                publisher.publish(snapshot_for(g, 20_000)).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        "reader" => {
            let subscriber = Subscriber::<Tick>::open(&handle).unwrap();
            report!("ready");
            let mut held: Vec<Snapshot<Tick>> = Vec::new();
            let (mut last, mut distinct, mut records) = (0_u64, 0_u64, 0_usize);
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut round = 0_u64;
            let outcome = loop {
                if Instant::now() > deadline {
                    break Err("no PublisherGone within 60 s".to_string());
                }
                round += 1;
                // Half the time poll, half the time wait.
                let got = if round % 2 == 0 {
                    subscriber.latest()
                } else {
                    subscriber.wait_newer(last, Duration::from_millis(200))
                };
                match got {
                    Ok(Some(snapshot)) => {
                        if snapshot.generation() < last {
                            break Err(format!(
                                "generation went back from {last} to {}",
                                snapshot.generation()
                            ));
                        }
                        if snapshot.generation() > last {
                            distinct += 1;
                            last = snapshot.generation();
                            match check_whole(&snapshot) {
                                Ok(n) => records += n,
                                Err(e) => break Err(e),
                            }
                            held.push(snapshot);
                            if held.len() > 3 {
                                held.remove(0);
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(Error::PublisherGone { .. }) => break Ok(()),
                    Err(e) => break Err(format!("unexpected error: {e}")),
                }
            };
            match outcome {
                Ok(()) => {
                    // The publisher is gone; what this reader holds is still whole.
                    for snapshot in &held {
                        if let Err(e) = check_whole(snapshot) {
                            report!("error after the publisher died: {e}");
                            return;
                        }
                    }
                    // And asking again says the same, without hanging.
                    let again = subscriber.wait_newer(last, Duration::from_secs(30));
                    let gone = matches!(again, Err(Error::PublisherGone { .. }));
                    report!(
                        "gone distinct={distinct} last={last} records={records} held={} \
                         again_gone={gone}",
                        held.len()
                    );
                }
                Err(e) => report!("error {e}"),
            }
        }
        "waiter" => {
            let subscriber = Subscriber::<Tick>::open(&handle).unwrap();
            report!("ready");
            let rounds: u64 = std::env::var("SHMSAFE_LIVE_ROUNDS")
                .unwrap()
                .parse()
                .unwrap();
            for g in 1..=rounds {
                match subscriber.wait_newer(g - 1, Duration::from_secs(30)) {
                    Ok(Some(snapshot)) => match check_whole(&snapshot) {
                        Ok(_) => report!("woke {}", snapshot.generation()),
                        Err(e) => report!("error {e}"),
                    },
                    Ok(None) => report!("timeout waiting for {g}"),
                    Err(e) => report!("error {e}"),
                }
            }
        }
        "holder" => {
            let subscriber = Subscriber::<Tick>::open(&handle).unwrap();
            let snapshot = subscriber.latest().unwrap().unwrap();
            check_whole(&snapshot).unwrap();
            report!("holding {}", snapshot.generation());
            std::thread::sleep(Duration::from_secs(600));
        }
        "attacker" => attack(&handle, &std::env::var("SHMSAFE_LIVE_SNAPSHOT").unwrap()),
        other => panic!("unknown SHMSAFE_LIVE_ROLE {other:?}"),
    }
}

/// Tries every way into a memfd named by `/proc/<pid>/fd/<n>#<nonce>` that another process of
/// the same user has, and reports what the kernel answered to each.
fn attack(control: &str, snapshot: &str) {
    for (what, handle) in [("control", control), ("snapshot", snapshot)] {
        let path = handle.split_once('#').unwrap().0;
        let cpath = std::ffi::CString::new(path).unwrap();
        // SAFETY: a plain open of a NUL-terminated path.
        let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            report!("{what} open-rdwr refused {}", errno());
            continue;
        }
        report!("{what} open-rdwr allowed");
        let bytes = [0xff_u8; 8];
        // SAFETY: writes 8 bytes from a live buffer.
        let r = unsafe { libc::pwrite(fd, bytes.as_ptr().cast(), 8, 32) };
        report!("{what} pwrite {}", outcome(r as i64));
        // SAFETY: plain syscalls on a descriptor this process owns.
        let r = unsafe { libc::ftruncate(fd, 0) };
        report!("{what} ftruncate-shrink {}", outcome(r.into()));
        // SAFETY: as above.
        let r = unsafe { libc::ftruncate(fd, 1 << 20) };
        report!("{what} ftruncate-grow {}", outcome(r.into()));
        // SAFETY: as above.
        let r = unsafe {
            libc::fallocate(
                fd,
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                0,
                64,
            )
        };
        report!("{what} punch-hole {}", outcome(r.into()));
        // SAFETY: asks for a fresh mapping; nothing existing is replaced.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                64,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        report!(
            "{what} mmap-write-shared {}",
            if p == libc::MAP_FAILED {
                format!("refused {}", errno())
            } else {
                "allowed".into()
            }
        );
        // SAFETY: as above, read-only.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                64,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            report!("{what} mmap-read-shared refused {}", errno());
        } else {
            // SAFETY: the range is the mapping just made.
            let r = unsafe { libc::mprotect(p, 64, libc::PROT_READ | libc::PROT_WRITE) };
            report!("{what} mprotect-write {}", outcome(r.into()));
        }
        // Sealing it for good against its publisher, or removing a seal, is refused too.
        // SAFETY: plain fcntl.
        let r = unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, libc::F_SEAL_WRITE) };
        report!("{what} add-seal {}", outcome(r.into()));
    }
    report!("done");
}

fn errno() -> String {
    std::io::Error::last_os_error().to_string()
}

fn outcome(r: i64) -> String {
    if r < 0 {
        format!("refused {}", errno())
    } else {
        "allowed".into()
    }
}

// ---------------------------------------------------------------------------------------------
// The parent side.

/// A child process, killed (if still running) and reaped when dropped, with its reports
/// arriving on a channel.
struct Kid {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Kid {
    fn spawn(role: &str, handle: &str, extra: &[(&str, &str)]) -> Kid {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SHMSAFE_LIVE_ROLE", role)
        .env("SHMSAFE_LIVE_HANDLE", handle)
        .stdout(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, report)) = line.split_once(MARK) {
                    if tx.send(report.to_owned()).is_err() {
                        break;
                    }
                }
            }
        });
        Kid { child, lines }
    }

    /// The next report; panics after a minute without one (a hang).
    fn next(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the child reported nothing for a minute (hung or died)")
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Kid {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Taken by every test that makes memfds in this process, so that the one that counts them
/// counts only its own.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Descriptors and mappings of this process that are memfds of this crate, and any that are in
/// `/dev/shm`.
fn own_memfds() -> (usize, usize, usize) {
    let mut fds = 0;
    let mut in_dev_shm = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let Ok(target) = std::fs::read_link(entry.unwrap().path()) else {
            continue;
        };
        let target = target.to_string_lossy().into_owned();
        if target.starts_with("/memfd:shmsafe") {
            fds += 1;
        }
        if target.starts_with("/dev/shm/") {
            in_dev_shm += 1;
        }
    }
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mapped = maps
        .lines()
        .filter(|l| l.contains("/memfd:shmsafe"))
        .count();
    in_dev_shm += maps.lines().filter(|l| l.contains("/dev/shm/")).count();
    (fds, mapped, in_dev_shm)
}

/// [`own_memfds`] once it equals `expected`, or after ten seconds: superseded snapshots are
/// closed by a background thread, a moment after `publish` returns.
fn settled(expected: (usize, usize, usize)) -> (usize, usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = own_memfds();
        if now == expected || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn readers_see_whole_growing_snapshots_and_a_killed_publisher_is_an_error_not_a_hang() {
    let mut publisher = Kid::spawn("publisher", "", &[]);
    let line = publisher.next();
    let handle = line.strip_prefix("handle ").expect(&line).to_owned();
    let readers: Vec<Kid> = (0..3).map(|_| Kid::spawn("reader", &handle, &[])).collect();
    for reader in &readers {
        assert_eq!(reader.next(), "ready");
    }
    let line = publisher.next();
    let published: u64 = line
        .strip_prefix("published ")
        .expect(&line)
        .parse()
        .unwrap();
    assert!(published > 10, "{published} publishes in 2 s");
    // Kill -9, in the middle of whatever it was doing.
    publisher.kill();
    for reader in &readers {
        let line = reader.next();
        eprintln!("reader {}: {line}", reader.pid());
        assert!(line.starts_with("gone "), "{line}");
        let field = |name: &str| -> u64 {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(field("distinct") >= 2, "{line}");
        assert!(field("last") >= published / 2, "{line}");
        assert!(line.ends_with("again_gone=true"), "{line}");
    }
}

#[test]
fn wait_newer_wakes_for_each_publish() {
    let _serial = serial();
    const ROUNDS: u64 = 20;
    let mut publisher = Publisher::<Tick>::new().unwrap();
    let waiter = Kid::spawn(
        "waiter",
        publisher.handle(),
        &[("SHMSAFE_LIVE_ROUNDS", &ROUNDS.to_string())],
    );
    assert_eq!(waiter.next(), "ready");
    for g in 1..=ROUNDS {
        // Give the waiter time to fall asleep on the futex, so the publish has to wake it.
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(publisher.publish(snapshot_for(g, 1000)).unwrap(), g);
        assert_eq!(waiter.next(), format!("woke {g}"));
    }
}

#[test]
fn a_killed_reader_costs_only_its_snapshot_and_memory_returns_to_baseline() {
    let _serial = serial();
    let baseline = own_memfds();
    {
        let mut publisher = Publisher::<Tick>::new().unwrap();
        let subscriber = Subscriber::<Tick>::open(publisher.handle()).unwrap();
        publisher.publish(snapshot_for(1, 10_000)).unwrap();
        let mut holder = Kid::spawn("holder", publisher.handle(), &[]);
        assert_eq!(holder.next(), "holding 1");
        // The holder has its own descriptor of generation 1.
        let holds = std::fs::read_dir(format!("/proc/{}/fd", holder.pid()))
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.unwrap().path()).ok())
            .filter(|t| t.to_string_lossy().starts_with("/memfd:shmsafe "))
            .count();
        assert!(holds >= 1, "the holder holds {holds} snapshots");
        holder.kill();
        // The publisher goes on, unaffected, and keeps only the newest two snapshots.
        let mut held = Vec::new();
        for g in 2..=20 {
            publisher.publish(snapshot_for(g, 10_000)).unwrap();
            let snapshot = subscriber.latest().unwrap().unwrap();
            assert_eq!(snapshot.generation(), g);
            check_whole(&snapshot).unwrap();
            if g % 5 == 0 {
                held.push(snapshot);
            }
        }
        // Nothing new: the subscriber releases the snapshot before its newest.
        assert_eq!(subscriber.latest().unwrap().unwrap().generation(), 20);
        // Publisher: control + 2 snapshot descriptors, 1 mapping (the control); subscriber:
        // control + the held snapshots, whose newest is its newest, descriptors and mappings.
        // All memfds, nothing in /dev/shm.
        let expected = (
            baseline.0 + 1 + 2 + 1 + held.len(),
            baseline.1 + 1 + 1 + held.len(),
            baseline.2,
        );
        assert_eq!(settled(expected), expected);
        for snapshot in &held {
            check_whole(snapshot).unwrap();
        }
    }
    assert_eq!(
        settled(baseline),
        baseline,
        "everything dropped: back to the baseline"
    );
}

#[test]
fn another_process_can_neither_write_the_control_record_nor_the_snapshots() {
    let _serial = serial();
    let mut publisher = Publisher::<Tick>::new().unwrap();
    // The test keeps `first` (and its handle valid); the publisher gets another descriptor of
    // the same memfd.
    let first = snapshot_for(1, 1000);
    let snapshot_handle = first.handle().to_owned();
    publisher
        .publish(SealedArray::open(&snapshot_handle).unwrap())
        .unwrap();
    let attacker = Kid::spawn(
        "attacker",
        publisher.handle(),
        &[("SHMSAFE_LIVE_SNAPSHOT", &snapshot_handle)],
    );
    let mut reports = Vec::new();
    loop {
        let line = attacker.next();
        if line == "done" {
            break;
        }
        reports.push(line);
    }
    eprintln!("attacker: {reports:#?}");
    // Reopening read-write is allowed (same user); every way to change the bytes or the size
    // through it is not.
    for what in ["control", "snapshot"] {
        assert!(
            reports.contains(&format!("{what} open-rdwr allowed")),
            "{reports:#?}"
        );
        for attempt in [
            "pwrite",
            "ftruncate-shrink",
            "ftruncate-grow",
            "punch-hole",
            "mmap-write-shared",
            "mprotect-write",
            "add-seal",
        ] {
            let line = reports
                .iter()
                .find(|l| l.starts_with(&format!("{what} {attempt} ")))
                .unwrap_or_else(|| panic!("no {what} {attempt} in {reports:#?}"));
            assert!(line.contains("refused"), "{line}");
        }
    }
    // And the record is intact: a subscriber gets generation 1, whole.
    let subscriber = Subscriber::<Tick>::open(publisher.handle()).unwrap();
    let snapshot = subscriber.latest().unwrap().unwrap();
    assert_eq!(snapshot.generation(), 1);
    assert_eq!(check_whole(&snapshot).unwrap(), 1000);
    // The publisher's own mapping still works.
    assert_eq!(publisher.publish(snapshot_for(2, 10)).unwrap(), 2);
    assert_eq!(subscriber.latest().unwrap().unwrap().generation(), 2);
}

#[test]
fn a_dropped_publisher_is_reported_at_once_and_its_handle_then_names_nothing() {
    let _serial = serial();
    let mut publisher = Publisher::<Tick>::new().unwrap();
    let handle = publisher.handle().to_owned();
    let subscriber = Subscriber::<Tick>::open(&handle).unwrap();
    publisher.publish(snapshot_for(1, 100)).unwrap();
    let held = subscriber.latest().unwrap().unwrap();
    drop(publisher);
    let err = subscriber.latest().unwrap_err();
    assert!(matches!(err, Error::PublisherGone { .. }), "{err}");
    assert!(err.to_string().contains("is gone"), "{err}");
    let err = subscriber
        .wait_newer(1, Duration::from_secs(600))
        .unwrap_err();
    assert!(matches!(err, Error::PublisherGone { .. }), "{err}");
    check_whole(&held).unwrap();
    // The control memfd's descriptor is closed: the handle names nothing, or another file.
    let err = Subscriber::<Tick>::open(&handle).unwrap_err();
    assert!(
        matches!(
            err,
            Error::PublisherGone { .. }
                | Error::NotAPublisher { .. }
                | Error::NotARegularFile { .. }
        ),
        "{err}"
    );
}
