//! Live updates: one [`Publisher`] replaces a sealed snapshot, many [`Subscriber`]s in other
//! processes read the newest one, zero-copy and without `unsafe`.
//!
//! # The design, and why
//!
//! Readers of data that changes usually want the *latest* records: prices, a feature table, a
//! configuration a service reloads. Overwriting shared records in place cannot be both
//! zero-copy and sound: a reader holding `&[T]` into bytes another process rewrites has a data
//! race (a seqlock over plain bytes reads them racily even when it discards the copy), and a
//! double buffer that the writer reuses after a grace period, as `mmap-sync` does, is sound
//! only if every reader finishes within the grace period, which is why its `read` is `unsafe`.
//!
//! Here no byte a reader can borrow ever changes. Every update is a new [`SealedArray`]: a
//! memfd the kernel has sealed against every write, from every process. A reader's
//! [`Snapshot`] maps it and derefs to `&[T]` for as long as the reader likes; the kernel frees
//! it when the last holder (the publisher, or a reader's descriptor and mapping) lets go. No
//! reader counts, no grace period, and nothing for a killed reader to leak.
//!
//! What changes is one small *control record*, in its own memfd, that names the newest
//! snapshot: its generation, and the process id, descriptor number and nonce that make up its
//! handle. Every field of it is an atomic, and it is read with a sequence counter:
//!
//! - the publisher stores `seq = 2g - 1` (odd: being written), then the fields, then
//!   `seq = 2g` with `Release` ordering (the generation is `seq / 2`);
//! - a reader loads `seq`, the fields and `seq` again, all `Relaxed` with `Acquire` fences,
//!   and retries unless both loads are the same even number. Without the counter a reader
//!   could load generation `g`, then the fields of `g + 1`, and label `g + 1`'s snapshot `g`.
//!
//! All of these are atomic accesses, so no interleaving is a data race; the retry only makes
//! the fields agree with each other. The reader then opens the handle with
//! [`SealedArray::open`], which checks the seals, the record layout and the nonce: if the
//! publisher dropped that snapshot meanwhile and the descriptor number now holds another file,
//! the open fails ([`Error::StaleHandle`], [`Error::HandleGone`], [`Error::NotSealed`], ...),
//! the counter has moved on, and the reader retries with the newer generation. It never
//! misreads: a snapshot is bound to its generation by its nonce.
//!
//! The control memfd is sealed with `F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
//! F_SEAL_SEAL` right after the publisher maps it: the kernel lets that one existing mapping
//! keep writing, and refuses every other way in, to every process of every user: `write`,
//! `pwrite`, `ftruncate`, a new writable mapping, `mprotect(PROT_WRITE)` of a read-only one.
//! Nobody but the publisher can publish into it, and its size can never change (so a reader's
//! mapping cannot fault). Readers map it read-only.
//!
//! # Waiting, and a publisher that dies
//!
//! The publisher also bumps a 32-bit word after each publish and wakes it with `FUTEX_WAKE`;
//! [`Subscriber::wait_newer`] sleeps on that word with `FUTEX_WAIT` (not the private variant,
//! so the kernel matches the shared page across processes; the wait only reads the word,
//! which is all a read-only mapping allows). It wakes within tens of microseconds of a publish.
//!
//! The publisher holds an exclusive `flock` on the control memfd for as long as it lives; the
//! kernel releases it when the process ends, however it ends (`SIGKILL` included). A subscriber
//! probes it from its own descriptor (a shared lock that fails while the exclusive one is held):
//! no process id, which could be reused, is involved. [`Subscriber::latest`] probes at most
//! once a millisecond when nothing changed (no system call at all in between: polling is a
//! few atomic loads and a clock read from the vDSO); [`Subscriber::wait_newer`] probes before
//! each sleep and sleeps in slices of at most 20 ms, so neither ever hangs on a dead publisher:
//! both return [`Error::PublisherGone`]. Snapshots already held stay readable.
//!
//! # Memory
//!
//! The publisher keeps its newest snapshot and the one before (so that a reader which just
//! read the control record can still open what it names); it lets older ones go at once (a
//! background thread closes their descriptors, which frees their pages when no reader holds
//! them: that takes milliseconds for tens of megabytes, which `publish` does not wait for).
//! A subscriber keeps the snapshots it returned alive while they are held, plus the newest it
//! has seen and, until its next idle moment (a `wait_newer` about to sleep, a `latest` that
//! finds nothing new), the one before: releasing a large mapping takes milliseconds, better
//! spent when there is nothing else to do than between a publish and the reader having the
//! new data. Nothing is ever in `/dev/shm`.
//!
//! # Limits
//!
//! - Linux only (memfd sealing, `F_SEAL_FUTURE_WRITE` since Linux 5.1, futexes on shared
//!   mappings), and 64-bit targets only: the control record is read with 64-bit `Relaxed`
//!   atomic loads from a read-only mapping, which Rust allows for loads no wider than a
//!   register (see "Atomic accesses to read-only memory" in [`core::sync::atomic`]); some
//!   32-bit targets implement 64-bit loads with a compare-and-swap, which faults there.
//! - Between `memfd_create` and the seal (microseconds, before the handle exists), another
//!   process of the same user that guesses the new descriptor could map the control memfd for
//!   writing and keep that mapping. It could then write nonsense into the control record: every
//!   access to it is atomic and every snapshot is checked when opened, so readers would see
//!   errors, never undefined behaviour. (A process of the same user can also `ptrace` the
//!   publisher, where that is allowed, which is worse.)

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::format;
use crate::safe::{Immutable, ShmSafe};
use crate::sealed::{self, SealedArray};
use crate::segment::{self, Mapping};

/// The first eight bytes of a control record.
const MAGIC: u64 = u64::from_ne_bytes(*b"SHMLIVE\0");
/// The control record's format version.
const VERSION: u32 = 1;
/// How many snapshots the publisher keeps: the newest, and the one before it.
const KEEP: usize = 2;
/// How often, at most, [`Subscriber::latest`] asks the kernel whether the publisher lives when
/// nothing changed.
const PROBE_EVERY: Duration = Duration::from_millis(1);
/// The longest [`Subscriber::wait_newer`] sleeps before it checks the publisher again.
const SLICE: Duration = Duration::from_millis(20);

/// The control record: the one thing that changes, in its own memfd. Every field is an atomic,
/// so that no access to it, by any process, in any interleaving, is a data race.
#[derive(crate::ShmSafe)]
#[repr(C)]
struct Control {
    /// [`MAGIC`].
    magic: AtomicU64,
    /// [`VERSION`].
    version: AtomicU32,
    /// `size_of::<T>()` of the records.
    record_size: AtomicU32,
    /// `T::FINGERPRINT`.
    fingerprint: AtomicU64,
    /// The random nonce at the end of the publisher's handle: binds the handle to this record.
    id: AtomicU64,
    /// Twice the newest generation; odd while the fields below are being written.
    seq: AtomicU64,
    /// The newest snapshot's holder: the publisher's process id ...
    pid: AtomicU64,
    /// ... its descriptor number in that process ...
    fd: AtomicU64,
    /// ... and its nonce.
    nonce: AtomicU64,
    /// The futex word: the low 32 bits of the generation, stored after `seq`.
    wake: AtomicU32,
    /// 1 once the publisher has been dropped (a publisher that is killed cannot say so: the
    /// lock tells).
    closed: AtomicU32,
}

/// Closes `fd`, the publisher's last descriptor of a superseded snapshot, on a background
/// thread: when no reader holds the snapshot, closing it frees its pages, which takes
/// milliseconds for tens of megabytes, and `publish` need not wait for that. One thread per
/// process, started on first use; where it cannot start, or in a child forked after it
/// started (which has no such thread), the descriptor is closed here.
fn reap(fd: OwnedFd) {
    static REAPER: OnceLock<Option<(u32, mpsc::Sender<OwnedFd>)>> = OnceLock::new();
    let reaper = REAPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<OwnedFd>();
        std::thread::Builder::new()
            .name("shmsafe-reaper".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| (std::process::id(), tx))
    });
    match reaper {
        Some((pid, tx)) if *pid == std::process::id() => {
            if let Err(mpsc::SendError(fd)) = tx.send(fd) {
                drop(fd);
            }
        }
        _ => drop(fd),
    }
}

/// The control record in `map`.
fn control(map: &Mapping) -> &Control {
    debug_assert!(map.len() >= size_of::<Control>());
    // SAFETY: every mapping passed here is of a control memfd exactly `size_of::<Control>()`
    // bytes long (created so, or checked before mapping) and sealed against shrinking, so the
    // whole record is mapped and can never fault; a mapping is page-aligned, more than
    // `Control`'s alignment of 8. Every field is an atomic, so other processes storing to it
    // while this reference lives is allowed. A subscriber's mapping is read-only: on it only
    // `Relaxed` loads of at most 64 bits (on 64-bit targets, see the module docs) and
    // `FUTEX_WAIT`, which only reads, are ever done.
    unsafe { &*map.as_ptr().cast::<Control>() }
}

/// The publishing side of live updates: owns a small sealed control record that names the
/// newest snapshot, and publishes [`SealedArray`]s into it.
///
/// ```
/// use shmsafe::{Publisher, SealedArray, Subscriber};
///
/// let mut publisher = Publisher::<u64>::new()?;
/// // In another process of the same user: `Subscriber::<u64>::open(handle)`, no `unsafe`.
/// let subscriber = Subscriber::<u64>::open(publisher.handle())?;
/// assert!(subscriber.latest()?.is_none());
///
/// let generation = publisher.publish(SealedArray::from_fn(3, |i| i as u64)?)?;
/// let snapshot = subscriber.latest()?.expect("published");
/// assert_eq!((snapshot.generation(), &snapshot[..]), (generation, &[0, 1, 2][..]));
///
/// publisher.publish(SealedArray::from_slice(&[7, 7])?)?;
/// // The old snapshot stays whole for as long as it is held.
/// assert_eq!(&snapshot[..], &[0, 1, 2]);
/// assert_eq!(&subscriber.latest()?.unwrap()[..], &[7, 7]);
/// # Ok::<(), shmsafe::Error>(())
/// ```
///
/// See the [module documentation](crate::live) for how it works.
pub struct Publisher<T: ShmSafe> {
    // Fields drop in declaration order: the mapping and the descriptor go first, which releases
    // the lock, so that a subscriber that then fails to open a dropped snapshot finds the
    // publisher gone instead of reporting a lost handle.
    map: Mapping,
    /// Holds the exclusive `flock` that tells subscribers this publisher lives; never read.
    _lock: OwnedFd,
    handle: String,
    generation: u64,
    /// The descriptors of the newest snapshot and the one before (the publisher never reads
    /// them: it keeps them open so that their handles work).
    kept: VecDeque<OwnedFd>,
    /// Publishes records of `T`; holds none.
    _records: PhantomData<fn() -> T>,
}

impl<T: Immutable> Publisher<T> {
    /// Creates the control record (a sealed memfd, nothing in `/dev/shm`) with no snapshot yet.
    ///
    /// # Errors
    ///
    /// [`Error::Os`] if the OS refuses the memfd, its lock or its seals (`F_SEAL_FUTURE_WRITE`
    /// needs Linux 5.1).
    pub fn new() -> Result<Self, Error> {
        let id = format::random_u64()?;
        let (fd, map) = segment::control_create(size_of::<Control>())?;
        let c = control(&map);
        c.magic.store(MAGIC, Ordering::Relaxed);
        c.version.store(VERSION, Ordering::Relaxed);
        c.record_size
            .store(size_of::<T>() as u32, Ordering::Relaxed);
        c.fingerprint.store(T::FINGERPRINT, Ordering::Relaxed);
        c.id.store(id, Ordering::Relaxed);
        // From here on, only this mapping can write the record.
        segment::control_seal(fd.as_fd())?;
        let handle = format!(
            "/proc/{}/fd/{}#{id:016x}",
            std::process::id(),
            fd.as_raw_fd()
        );
        Ok(Publisher {
            map,
            _lock: fd,
            handle,
            generation: 0,
            kept: VecDeque::with_capacity(KEEP + 1),
            _records: PhantomData,
        })
    }

    /// Makes `snapshot` the newest, wakes every subscriber waiting in
    /// [`wait_newer`](Subscriber::wait_newer), and returns its generation: 1 for the first,
    /// one more for each publish.
    ///
    /// Never waits for readers. Keeps (a descriptor of) `snapshot` and of the one before it;
    /// older snapshots are let go, and their memory is freed as soon as no reader holds them
    /// either: by a background thread, one per process, started by the first publish, so that
    /// `publish` does not wait for the kernel to free megabytes of pages.
    ///
    /// # Errors
    ///
    /// [`Error::Os`] if this process is out of file descriptors.
    pub fn publish(&mut self, snapshot: SealedArray<T>) -> Result<u64, Error> {
        let (_, nonce) = sealed::parse_handle(snapshot.handle())?;
        // A descriptor of its own: the snapshot's mapping is of no use to the publisher.
        let fd = snapshot
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| Error::Os {
                operation: "duplicating the descriptor of",
                name: snapshot.handle().to_owned(),
                source,
            })?;
        let generation = self.publish_fd(fd, nonce);
        drop(snapshot);
        Ok(generation)
    }

    /// Publishes a copy of `records` as the newest snapshot: as
    /// [`SealedArray::from_slice`] then [`publish`](Self::publish), but faster for large
    /// snapshots: the records are written into the new memfd with `pwrite`, and it is never
    /// mapped in this process, so there are no page faults to fill it and no writable mapping
    /// to tear down before sealing it.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the records do not fit in one memfd, [`Error::Os`] if the OS
    /// refuses the memfd, its contents or its seals.
    pub fn publish_slice(&mut self, records: &[T]) -> Result<u64, Error> {
        let nonce = format::random_u64()?;
        let mut plan = format::Plan::new::<T>(records.len(), nonce)?;
        // Final from the start: nobody can open the memfd before it is sealed.
        plan.header.state = format::READY;
        let fd = segment::sealed_memfd_from_bytes(
            &plan.prefix(),
            crate::slice_as_bytes(records),
            plan.data_offset,
            plan.total,
        )?;
        Ok(self.publish_fd(fd, nonce))
    }

    /// Makes the sealed snapshot behind `fd`, whose header carries `nonce`, the newest.
    fn publish_fd(&mut self, fd: OwnedFd, nonce: u64) -> u64 {
        let generation = self.generation + 1;
        let c = control(&self.map);
        c.seq.store(2 * generation - 1, Ordering::Relaxed);
        // Orders the odd counter before the fields: a reader whose loads see any new field
        // then sees a counter that moved, and retries.
        fence(Ordering::Release);
        c.pid
            .store(u64::from(std::process::id()), Ordering::Relaxed);
        c.fd.store(fd.as_raw_fd() as u64, Ordering::Relaxed);
        c.nonce.store(nonce, Ordering::Relaxed);
        c.seq.store(2 * generation, Ordering::Release);
        c.wake.store(generation as u32, Ordering::Release);
        segment::futex_wake_all(&c.wake);
        self.generation = generation;
        self.kept.push_back(fd);
        while self.kept.len() > KEEP {
            if let Some(oldest) = self.kept.pop_front() {
                reap(oldest);
            }
        }
        generation
    }
}

impl<T: ShmSafe> Drop for Publisher<T> {
    fn drop(&mut self) {
        // Tells subscribers at once, without the lock probe, and wakes those waiting.
        let c = control(&self.map);
        c.closed.store(1, Ordering::Release);
        c.wake.fetch_add(1, Ordering::Release);
        segment::futex_wake_all(&c.wake);
    }
}

impl<T: ShmSafe> Publisher<T> {
    /// What subscribers pass to [`Subscriber::open`]: `/proc/<pid>/fd/<n>#<nonce>`, valid for
    /// processes of the same user while this publisher lives.
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// The generation of the newest snapshot published, 0 before the first.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// The reading side of live updates: opens a [`Publisher`]'s handle and returns its newest
/// snapshot, zero-copy and without `unsafe`.
///
/// A subscriber may be shared between threads. See the [module documentation](crate::live).
pub struct Subscriber<T: ShmSafe> {
    map: Mapping,
    /// This subscriber's own open file description of the control memfd: the liveness probe's
    /// shared `flock` is taken on it.
    fd: OwnedFd,
    handle: String,
    seen: Mutex<Seen<T>>,
}

/// What a subscriber remembers between calls.
struct Seen<T: ShmSafe> {
    /// The newest snapshot it returned.
    last: Option<Snapshot<T>>,
    /// The one before, released at the next moment with nothing new to do (before a
    /// `wait_newer` sleeps, or a `latest` that found nothing new), so that releasing its
    /// mapping does not delay handing out the new one.
    retired: Option<Snapshot<T>>,
    /// When it last found the publisher alive.
    probed: Option<Instant>,
}

impl<T: Immutable> Subscriber<T> {
    /// Opens the publisher that `handle` names (what [`Publisher::handle`] returned in its
    /// process), and checks that it is one, for records of `T`.
    ///
    /// Safe: the control record is sealed so that only its publisher can write it, every
    /// access to it is atomic, and every snapshot is opened and checked as a [`SealedArray`].
    ///
    /// # Errors
    ///
    /// [`Error::NotAPublisher`] for a handle of the wrong form or a file that is not a control
    /// record; [`Error::PublisherGone`] when the publisher's process has exited or dropped it;
    /// [`Error::PermissionDenied`] for a publisher of another user; [`Error::NotSealed`] for a
    /// control memfd without its seals; [`Error::UnsupportedVersion`];
    /// [`Error::LayoutMismatch`] when the publisher publishes records of another type.
    pub fn open(handle: &str) -> Result<Self, Error> {
        let printable = format::printable(handle);
        let (path, id) = sealed::parse_handle(handle).map_err(|e| match e {
            Error::InvalidHandle { handle, reason } => Error::NotAPublisher { handle, reason },
            e => e,
        })?;
        let gone = || Error::PublisherGone {
            handle: printable.clone(),
        };
        let not_a_publisher = |reason| Error::NotAPublisher {
            handle: printable.clone(),
            reason,
        };
        let fd = segment::open_read_only(path).map_err(|e| match e {
            Error::NotFound { .. } => gone(),
            Error::PermissionDenied { source, .. } => Error::PermissionDenied {
                name: printable.clone(),
                source,
            },
            e => e,
        })?;
        let size = segment::regular_file_size(fd.as_fd(), &printable)?;
        let missing = segment::control_missing_seals(fd.as_fd());
        if missing.len() == segment::CONTROL_SEALS.len() {
            return Err(not_a_publisher("it is not a sealed memfd"));
        }
        if !missing.is_empty() {
            return Err(Error::NotSealed {
                name: printable,
                missing,
            });
        }
        if size != size_of::<Control>() as u64 {
            return Err(not_a_publisher(
                "its size is not that of a publisher's control record",
            ));
        }
        let map = segment::control_map(fd.as_fd(), size_of::<Control>(), &printable)?;
        let c = control(&map);
        if c.magic.load(Ordering::Relaxed) != MAGIC {
            return Err(not_a_publisher(
                "it does not start with a control record's magic bytes",
            ));
        }
        let version = c.version.load(Ordering::Relaxed);
        if version != VERSION {
            return Err(Error::UnsupportedVersion {
                name: printable,
                found: version,
                supported: VERSION,
            });
        }
        if c.id.load(Ordering::Relaxed) != id {
            // Another publisher now has that descriptor number: the one named is gone.
            return Err(gone());
        }
        let fingerprint = c.fingerprint.load(Ordering::Relaxed);
        let record_size = c.record_size.load(Ordering::Relaxed);
        if fingerprint != T::FINGERPRINT || record_size as usize != size_of::<T>() {
            return Err(Error::LayoutMismatch {
                name: printable,
                expected: T::KIND,
                expected_size: size_of::<T>(),
                expected_fingerprint: T::FINGERPRINT,
                found: "another record type (each snapshot's header describes it)".into(),
                found_size: u64::from(record_size),
                found_fingerprint: fingerprint,
            });
        }
        Ok(Subscriber {
            map,
            fd,
            handle: printable,
            seen: Mutex::new(Seen {
                last: None,
                retired: None,
                probed: None,
            }),
        })
    }

    /// The newest snapshot, or `None` before the first publish.
    ///
    /// When nothing was published since the last call, this is a few atomic loads and returns
    /// (a clone of) the same snapshot, with no system call (see the module documentation for
    /// the liveness probe, at most once a millisecond). Otherwise it opens the new snapshot:
    /// one `open`, `fstat`, `fcntl`, `pread` and `mmap`. The generations it returns never go
    /// backwards. It never waits for the publisher: if it finds a publish half done (the
    /// publisher descheduled, or stopped, between its stores), it returns the newest snapshot
    /// it already has.
    ///
    /// # Errors
    ///
    /// [`Error::PublisherGone`] once the publisher has ended (held snapshots stay readable);
    /// the errors of [`SealedArray::open`] for a snapshot the publisher still holds but that
    /// cannot be opened here (such as running out of descriptors).
    pub fn latest(&self) -> Result<Option<Snapshot<T>>, Error> {
        let mut seen = self.lock();
        let c = control(&self.map);
        let mut busy = 0_u32;
        loop {
            let seq = c.seq.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if seq % 2 == 1 {
                // Being written: three stores, nanoseconds, unless the publisher was preempted,
                // stopped or killed in the middle of them. Spin a little, then yield, then
                // answer without waiting: the newest complete snapshot is still the one held.
                busy += 1;
                if busy <= 64 {
                    core::hint::spin_loop();
                    continue;
                }
                if busy <= 128 {
                    std::thread::yield_now();
                    continue;
                }
                if !self.alive() {
                    return Err(self.gone());
                }
                return Ok(seen.last.clone());
            }
            let generation = seq / 2;
            let cached = seen.last.as_ref().map_or(0, |s| s.generation);
            if generation <= cached {
                // Nothing new. (Fewer than before only comes from a misbehaving publisher:
                // generations returned never go backwards, so keep the newest seen.)
                if c.closed.load(Ordering::Relaxed) != 0 {
                    return Err(self.gone());
                }
                let retired = seen.retired.take();
                let now = Instant::now();
                if seen
                    .probed
                    .is_none_or(|t| now.duration_since(t) >= PROBE_EVERY)
                {
                    if !self.alive() {
                        return Err(self.gone());
                    }
                    seen.probed = Some(now);
                }
                let last = seen.last.clone();
                drop(seen);
                drop(retired);
                return Ok(last);
            }
            let pid = c.pid.load(Ordering::Relaxed);
            let fd = c.fd.load(Ordering::Relaxed);
            let nonce = c.nonce.load(Ordering::Relaxed);
            // Orders the field loads before the second load of the counter: if any of them
            // saw a later publish's store, so does that load.
            fence(Ordering::Acquire);
            if c.seq.load(Ordering::Relaxed) != seq {
                continue;
            }
            let handle = format!("/proc/{pid}/fd/{fd}#{nonce:016x}");
            match SealedArray::<T>::open(&handle) {
                Ok(array) => {
                    let snapshot = Snapshot {
                        array: Arc::new(array),
                        generation,
                    };
                    let older = seen.retired.take();
                    seen.retired = seen.last.replace(snapshot.clone());
                    seen.probed = Some(Instant::now());
                    drop(seen);
                    drop(older);
                    return Ok(Some(snapshot));
                }
                // The publisher moved on and dropped that snapshot meanwhile (its descriptor
                // may hold another file by now): take the newer one.
                Err(_) if c.seq.load(Ordering::Relaxed) != seq => continue,
                // The publisher drops a snapshot only after the counter has moved on, so with
                // the counter unchanged, a descriptor that is gone or holds another file means
                // the publisher's process has ended, or is ending: the kernel closes its
                // descriptors before the last reference to the locked file (its mapping) is
                // released, so the lock probe can still say "alive" for a moment.
                Err(
                    Error::HandleGone { .. }
                    | Error::StaleHandle { .. }
                    | Error::NotSealed { .. }
                    | Error::NotARegularFile { .. },
                ) => return Err(self.gone()),
                Err(_) if !self.alive() => return Err(self.gone()),
                // The publisher still holds this snapshot, so the error is about opening it
                // here (out of descriptors or memory, say).
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits until a snapshot newer than generation `than` is published, for at most
    /// `timeout`, and returns it; `None` on timeout. Returns at once if one already is.
    ///
    /// Sleeps on a futex, without spinning, and wakes within about a millisecond of the
    /// publish (tens of microseconds on an idle machine).
    ///
    /// # Errors
    ///
    /// As [`latest`](Self::latest): [`Error::PublisherGone`] within 20 ms of the publisher's
    /// end, never a hang.
    pub fn wait_newer(&self, than: u64, timeout: Duration) -> Result<Option<Snapshot<T>>, Error> {
        let start = Instant::now();
        let c = control(&self.map);
        loop {
            // Loaded before the generation is checked: a publish after that check changes
            // the word, so the wait below returns at once instead of missing it.
            let word = c.wake.load(Ordering::Relaxed);
            if let Some(snapshot) = self.latest()?.filter(|s| s.generation > than) {
                return Ok(Some(snapshot));
            }
            if !self.alive() {
                return Err(self.gone());
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Ok(None);
            }
            // Nothing to do until the next publish: release the previous snapshot now.
            let retired = self.lock().retired.take();
            drop(retired);
            segment::futex_wait(&c.wake, word, (timeout - waited).min(SLICE));
        }
    }
}

impl<T: ShmSafe> Subscriber<T> {
    /// The publisher's handle, as given to [`open`](Self::open).
    pub fn handle(&self) -> &str {
        &self.handle
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen<T>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the publisher still holds its lock on the control record.
    fn alive(&self) -> bool {
        segment::creator_alive(self.fd.as_fd())
    }

    fn gone(&self) -> Error {
        Error::PublisherGone {
            handle: self.handle.clone(),
        }
    }
}

/// One published generation of records: derefs to `&[T]`, and stays whole and readable for as
/// long as it is held, whatever the publisher does (even if it exits).
///
/// Cloning is cheap (a reference count); the memory is freed when the last clone, in this
/// process, and every other holder, in any process, is gone.
pub struct Snapshot<T: ShmSafe> {
    array: Arc<SealedArray<T>>,
    generation: u64,
}

impl<T: ShmSafe> Snapshot<T> {
    /// The generation the publisher gave this snapshot: 1 for its first publish, one more for
    /// each publish after.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl<T: ShmSafe> Deref for Snapshot<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.array
    }
}

impl<T: ShmSafe> Clone for Snapshot<T> {
    fn clone(&self) -> Self {
        Snapshot {
            array: Arc::clone(&self.array),
            generation: self.generation,
        }
    }
}

impl<T: ShmSafe> fmt::Debug for Snapshot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("generation", &self.generation)
            .field("len", &self.array.len())
            .field("layout", &format::describe::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> fmt::Debug for Publisher<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("handle", &self.handle)
            .field("generation", &self.generation)
            .field("layout", &format::describe::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> fmt::Debug for Subscriber<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("handle", &self.handle)
            .field("layout", &format::describe::<T>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_record_is_72_bytes_of_atomics() {
        assert_eq!(size_of::<Control>(), 72);
        const { assert!(<<Control as ShmSafe>::Mutability as crate::safe::Mutability>::ATOMIC) };
        // Every field is an atomic (the derive checked there is no padding).
        let crate::layout::Kind::Record(layout) = Control::KIND else {
            panic!("a record")
        };
        assert_eq!(layout.fields().len(), 11);
    }

    #[test]
    fn generations_grow_and_old_snapshots_stay_whole() {
        let mut publisher = Publisher::<u32>::new().unwrap();
        let subscriber = Subscriber::<u32>::open(publisher.handle()).unwrap();
        assert!(subscriber.latest().unwrap().is_none());
        let mut held = Vec::new();
        for g in 1..=5_u32 {
            let generation = publisher
                .publish(SealedArray::from_fn(100, |_| g).unwrap())
                .unwrap();
            assert_eq!(generation, u64::from(g));
            let snapshot = subscriber.latest().unwrap().unwrap();
            assert_eq!(snapshot.generation(), u64::from(g));
            assert!(snapshot.iter().all(|&x| x == g));
            held.push(snapshot);
        }
        for (g, snapshot) in (1..).zip(&held) {
            assert!(snapshot.iter().all(|&x| x == g));
        }
        // Nothing new: the same snapshot again.
        assert_eq!(subscriber.latest().unwrap().unwrap().generation(), 5);
        let none = subscriber.wait_newer(5, Duration::from_millis(1)).unwrap();
        assert!(none.is_none());
        drop(publisher);
        let err = subscriber.latest().unwrap_err();
        assert!(matches!(err, Error::PublisherGone { .. }), "{err}");
        let err = subscriber
            .wait_newer(5, Duration::from_secs(60))
            .unwrap_err();
        assert!(matches!(err, Error::PublisherGone { .. }), "{err}");
        assert!(held[4].iter().all(|&x| x == 5));
    }

    #[test]
    fn a_publish_left_half_done_is_not_waited_for() {
        let mut publisher = Publisher::<u8>::new().unwrap();
        let subscriber = Subscriber::<u8>::open(publisher.handle()).unwrap();
        publisher.publish_slice(&[1, 1]).unwrap();
        assert_eq!(subscriber.latest().unwrap().unwrap().generation(), 1);
        // As if the publisher stopped between its first and last store of generation 2.
        control(&publisher.map).seq.store(3, Ordering::Relaxed);
        let held = subscriber.latest().unwrap().unwrap();
        assert_eq!((held.generation(), &held[..]), (1, &[1, 1][..]));
        let none = subscriber.wait_newer(1, Duration::from_millis(30)).unwrap();
        assert!(none.is_none());
        drop(publisher);
        let err = subscriber.latest().unwrap_err();
        assert!(matches!(err, Error::PublisherGone { .. }), "{err}");
        assert_eq!(&held[..], &[1, 1]);
    }

    #[test]
    fn publish_slice_publishes_a_sealed_copy() {
        let mut publisher = Publisher::<u64>::new().unwrap();
        let subscriber = Subscriber::<u64>::open(publisher.handle()).unwrap();
        let records: Vec<u64> = (0..10_000).collect();
        assert_eq!(publisher.publish_slice(&records).unwrap(), 1);
        assert_eq!(publisher.publish_slice(&[]).unwrap(), 2);
        assert_eq!(publisher.publish_slice(&records[..3]).unwrap(), 3);
        let snapshot = subscriber.latest().unwrap().unwrap();
        assert_eq!((snapshot.generation(), &snapshot[..]), (3, &[0, 1, 2][..]));
        assert!(segment::missing_seals(snapshot.array.as_fd()).is_empty());
    }

    #[test]
    fn a_subscriber_of_another_type_is_refused() {
        let publisher = Publisher::<u32>::new().unwrap();
        let err = Subscriber::<f32>::open(publisher.handle()).unwrap_err();
        assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
        let array = SealedArray::from_slice(&[1_u32]).unwrap();
        let err = Subscriber::<u32>::open(array.handle()).unwrap_err();
        assert!(matches!(err, Error::NotSealed { .. }), "{err}");
        let err = Subscriber::<u32>::open("/proc/1/fd/x#0000000000000000").unwrap_err();
        assert!(matches!(err, Error::NotAPublisher { .. }), "{err}");
    }
}
