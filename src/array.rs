//! `SharedArray<T>`: a named segment holding a header and `len` records of `T`.
//!
//! The segment's layout, all offsets from its start (which is page-aligned):
//!
//! ```text
//! 0    header (64 bytes): magic, format version, state, fingerprint, record size and alignment,
//!      len, data offset, creator pid, length of the layout text
//! 64   the layout text: the record's `Layout` as `Display` shows it, for error messages
//! D    len records of T, D a multiple of 64 and of T's alignment
//! ```

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use std::fmt;

use crate::error::Error;
use crate::layout::Kind;
use crate::safe::{Atomic, ShmSafe};
use crate::segment::{Access, Segment};

/// The size of the header at the start of every segment.
pub(crate) const HEADER_SIZE: usize = size_of::<Header>();
const MAGIC: [u8; 8] = *b"SHMSAFE\0";
/// Version 1: the header below.
const VERSION: u32 = 1;
const WRITING: u32 = 0;
const READY: u32 = 1;
/// The layout text is for people; a longer one is cut.
const MAX_LAYOUT_TEXT: usize = 4096;
/// Records start at a multiple of this (or of their alignment, if larger): a cache line.
const DATA_ALIGN: usize = 64;

/// The first 64 bytes of every segment. It is itself a `ShmSafe` record: this crate eats its own
/// cooking.
#[derive(crate::ShmSafe)]
#[repr(C)]
struct Header {
    magic: [u8; 8],
    version: u32,
    /// `WRITING` until the creator publishes, then `READY` (stored with `Release`).
    state: AtomicU32,
    fingerprint: u64,
    record_size: u64,
    record_align: u64,
    len: u64,
    data_offset: u64,
    creator_pid: u32,
    layout_len: u32,
}

const _: () = assert!(HEADER_SIZE == 64);

/// A named shared-memory segment of `len` records of `T`, which other processes open by name.
///
/// The creator builds it ([`from_fn`](Self::from_fn), [`from_slice`](Self::from_slice), or
/// [`writer`](Self::writer) to fill it in place), which publishes it; other processes then
/// [`open`](Self::open) it by [`name`](Self::name) and read it as a `&[T]` through `Deref`.
///
/// - **Names** are random and unpredictable (`shmsafe_` and 16 hex digits); the segment is
///   created with `O_EXCL` and mode `0600`, so only the same user can open it.
/// - **Checked on open**: the header's magic, format version, layout fingerprint, sizes and
///   state; each failure is its own [`Error`] variant. Malformed input is an error, never a view
///   of memory outside the segment.
/// - **Read-only where it is read**: `open` maps the pages read-only, so a stray write faults
///   in the reader instead of corrupting everyone's data. Records with atomic fields can be
///   opened read-write with [`open_read_write`](Self::open_read_write).
/// - **Lifetime**: the creator owns the segment and removes its name when dropped, also while a
///   panic unwinds; openers only unmap. A creator killed by a signal (or built with
///   `panic = "abort"`) leaves its segment behind: remove it with [`crate::remove`].
///
/// # Examples
///
/// ```
/// use shmsafe::SharedArray;
///
/// let squares = SharedArray::from_fn(5, |i| (i * i) as u64)?;
/// assert_eq!(&squares[..], &[0, 1, 4, 9, 16]);
///
/// // In another process: `SharedArray::<u64>::open(name)`, where `name` was passed along.
/// let name = squares.name().to_owned();
/// // SAFETY: no process writes to the segment while it is open.
/// let seen = unsafe { SharedArray::<u64>::open(&name)? };
/// assert_eq!(seen.iter().sum::<u64>(), 30);
///
/// // The wrong record type is an error, not a reinterpretation.
/// // SAFETY: as above.
/// assert!(unsafe { SharedArray::<f64>::open(&name) }.is_err());
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub struct SharedArray<T: ShmSafe> {
    segment: Segment,
    data: NonNull<T>,
    len: usize,
    data_offset: usize,
    creator_pid: u32,
    _records: PhantomData<T>,
}

/// A segment being filled by its creator: a `&mut [T]` over zeroed records (a valid value of any
/// `ShmSafe` type), published as a [`SharedArray`] by [`publish`](Self::publish).
///
/// Until it is published, [`SharedArray::open`] refuses the segment with [`Error::NotReady`].
/// Dropping a writer without publishing removes the segment.
///
/// ```
/// use shmsafe::SharedArray;
///
/// let mut writer = SharedArray::<f64>::writer(1_000)?;
/// writer.fill_parallel(2, |i| i as f64);
/// writer[0] = -1.0;
/// let array = writer.publish();
/// assert_eq!(array[..3], [-1.0, 1.0, 2.0]);
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub struct ArrayWriter<T: ShmSafe> {
    array: SharedArray<T>,
}

// SAFETY: a `SharedArray<T>` gives out only `&T` (through `Deref`), so moving it to another
// thread is sound when `&T` may be used there, which is `T: Sync`. Unmapping and unlinking on
// drop may happen on any thread.
unsafe impl<T: ShmSafe + Sync> Send for SharedArray<T> {}
// SAFETY: `&SharedArray<T>` gives out `&T` only: sound to share when `T: Sync`.
unsafe impl<T: ShmSafe + Sync> Sync for SharedArray<T> {}
// SAFETY: an `ArrayWriter<T>` gives out `&mut T`, which moves values of `T` in and out, and `&T`:
// both are sound on another thread when `T: Send + Sync`.
unsafe impl<T: ShmSafe + Send + Sync> Send for ArrayWriter<T> {}
// SAFETY: `&ArrayWriter<T>` gives out `&T` only.
unsafe impl<T: ShmSafe + Sync> Sync for ArrayWriter<T> {}

/// Where things go in a segment for `len` records of `T`.
struct Plan {
    layout_text: String,
    data_offset: usize,
    total: usize,
}

impl Plan {
    fn new<T: ShmSafe>(len: usize) -> Result<Plan, Error> {
        let mut layout_text = describe::<T>();
        if layout_text.len() > MAX_LAYOUT_TEXT {
            let mut end = MAX_LAYOUT_TEXT;
            while !layout_text.is_char_boundary(end) {
                end -= 1;
            }
            layout_text.truncate(end);
        }
        let align = align_of::<T>().max(DATA_ALIGN);
        let too_large = || Error::TooLarge {
            len,
            record_size: size_of::<T>(),
        };
        let data_offset = (HEADER_SIZE + layout_text.len())
            .checked_next_multiple_of(align)
            .ok_or_else(too_large)?;
        let total = size_of::<T>()
            .checked_mul(len)
            .and_then(|bytes| bytes.checked_add(data_offset))
            .filter(|&total| total <= isize::MAX as usize)
            .ok_or_else(too_large)?;
        Ok(Plan {
            layout_text,
            data_offset,
            total,
        })
    }
}

/// The layout of `T` for people: a record's `Display`, or a primitive's kind and size.
fn describe<T: ShmSafe>() -> String {
    match T::KIND {
        Kind::Record(layout) => layout.to_string(),
        kind => format!("{kind} ({} bytes)", size_of::<T>()),
    }
}

impl<T: ShmSafe> SharedArray<T> {
    /// Creates a segment of `len` zeroed records to fill in place, without an intermediate copy.
    /// Other processes cannot open it until [`ArrayWriter::publish`].
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if `len` records do not fit in memory, [`Error::Os`] if the OS
    /// refuses the segment (for example when `/dev/shm` has too little free space).
    pub fn writer(len: usize) -> Result<ArrayWriter<T>, Error> {
        // Evaluating the fingerprint evaluates `KIND`, which runs the padding checks of generic
        // records for this `T`.
        let fingerprint = const { T::FINGERPRINT };
        let plan = Plan::new::<T>(len)?;
        let segment = Segment::create(plan.total)?;
        let base = segment.as_ptr();
        let header = Header {
            magic: MAGIC,
            version: VERSION,
            state: AtomicU32::new(WRITING),
            fingerprint,
            record_size: size_of::<T>() as u64,
            record_align: align_of::<T>() as u64,
            len: len as u64,
            data_offset: plan.data_offset as u64,
            creator_pid: std::process::id(),
            layout_len: plan.layout_text.len() as u32,
        };
        // SAFETY: the segment is `plan.total >= data_offset >= HEADER_SIZE + layout_len` bytes,
        // freshly created, mapped read-write and page-aligned (so aligned for `Header`); nothing
        // else references it yet.
        unsafe {
            base.cast::<Header>().write(header);
            core::ptr::copy_nonoverlapping(
                plan.layout_text.as_ptr(),
                base.add(HEADER_SIZE),
                plan.layout_text.len(),
            );
        }
        let array = SharedArray::from_segment(segment, len, plan.data_offset, std::process::id())?;
        Ok(ArrayWriter { array })
    }

    /// Creates a segment of `len` records, record `i` being `f(i)`, and publishes it.
    ///
    /// Records are written in place, on this thread; for large arrays
    /// [`from_fn_parallel`](Self::from_fn_parallel) spreads the work over threads.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer).
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> T) -> Result<Self, Error> {
        let mut writer = Self::writer(len)?;
        for (i, slot) in writer.iter_mut().enumerate() {
            set(slot, f(i));
        }
        Ok(writer.publish())
    }

    /// Creates a segment of `len` records, record `i` being `f(i)`, filled by as many threads as
    /// pay (one per 4 MiB of records, at most one per CPU), and publishes it.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer).
    pub fn from_fn_parallel(len: usize, f: impl Fn(usize) -> T + Sync) -> Result<Self, Error>
    where
        T: Send,
    {
        let mut writer = Self::writer(len)?;
        writer.fill_parallel(useful_threads(len * size_of::<T>()), f);
        Ok(writer.publish())
    }

    /// Creates a segment holding a copy of `records`, and publishes it.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer).
    pub fn from_slice(records: &[T]) -> Result<Self, Error>
    where
        T: Copy,
    {
        let mut writer = Self::writer(records.len())?;
        writer.copy_from_slice(records);
        Ok(writer.publish())
    }

    /// Opens the segment `name` read-only and checks it holds records of `T`.
    ///
    /// `name` is what [`name`](Self::name) returned in the creator (a leading `/` is accepted).
    /// The pages are mapped read-only: a write through a pointer into them faults in this
    /// process. Only the open and the header checks happen here; the records are read from the
    /// segment as you use the slice, with no copy.
    ///
    /// # Errors
    ///
    /// Checked in this order, each with its own variant: [`Error::InvalidName`],
    /// [`Error::NotFound`], [`Error::PermissionDenied`], [`Error::TooSmall`] (smaller than a
    /// header), [`Error::NotShmsafe`] (bad magic), [`Error::UnsupportedVersion`],
    /// [`Error::LayoutMismatch`] (another record type), [`Error::CorruptHeader`] or
    /// [`Error::Truncated`] (shorter than its records), [`Error::NotReady`] (its creator is
    /// still writing), [`Error::RecordsMisaligned`].
    ///
    /// # Safety
    ///
    /// The checks prove the segment *was* written by `shmsafe` with this record layout, and
    /// since every bit pattern of `T` is valid, no bytes can make the records undefined
    /// behaviour to read. What they cannot prove is what other programs do next. While the
    /// returned array (or a reference from it) is alive:
    ///
    /// - no process may write to the records, except through atomic fields (a write that races
    ///   with this process's reads is a data race, undefined behaviour in Rust);
    /// - no process may shrink the segment (`ftruncate`): reading a page past its new end kills
    ///   this process with `SIGBUS`.
    ///
    /// Segments created by `SharedArray` are never written after they are published and never
    /// resized, so opening one of those satisfies both, as long as only `shmsafe` programs of
    /// the same user touch `/dev/shm`.
    pub unsafe fn open(name: &str) -> Result<Self, Error> {
        let segment = Segment::open(name, Access::ReadOnly)?;
        Self::check(segment)
    }

    /// Opens the segment `name` read-write, for records with atomic fields: the one sanctioned
    /// way for several processes to mutate shared state. Checks as [`open`](Self::open).
    ///
    /// Use it when a reader must update counters, flags or slots that the creator declared as
    /// `AtomicU32`, `AtomicU64`, ... Atomics make each access race-free; they do not make a
    /// protocol of several accesses correct, and they do not protect the non-atomic fields,
    /// which no one may write once the array is published.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    ///
    /// # Safety
    ///
    /// As [`open`](Self::open): no process writes the non-atomic fields or shrinks the segment
    /// while it is open here.
    pub unsafe fn open_read_write(name: &str) -> Result<Self, Error>
    where
        T: ShmSafe<Mutability = Atomic>,
    {
        let segment = Segment::open(name, Access::ReadWrite)?;
        Self::check(segment)
    }

    fn check(segment: Segment) -> Result<Self, Error> {
        let name = || segment.name().to_owned();
        let size = segment.len();
        if size < HEADER_SIZE {
            return Err(Error::TooSmall {
                name: name(),
                size,
                header: HEADER_SIZE,
            });
        }
        let base = segment.as_ptr();
        // SAFETY: the mapping is at least `HEADER_SIZE` bytes and page-aligned, so the state word
        // at offset 12 is in bounds and aligned for `AtomicU32`; it is only accessed atomically.
        let state = unsafe { (*base.add(12).cast::<AtomicU32>()).load(Ordering::Acquire) };
        // SAFETY: as above, the header is in bounds and aligned; every bit pattern is a valid
        // `Header` (it is `ShmSafe`), and the caller of `open` promised no concurrent writes.
        let header = unsafe { base.cast::<Header>().read() };
        if header.magic != MAGIC {
            return Err(Error::NotShmsafe {
                name: name(),
                found: header.magic,
            });
        }
        if header.version != VERSION {
            return Err(Error::UnsupportedVersion {
                name: name(),
                found: header.version,
                supported: VERSION,
            });
        }
        if header.fingerprint != T::FINGERPRINT
            || header.record_size != size_of::<T>() as u64
            || header.record_align != align_of::<T>() as u64
        {
            let text_len = (header.layout_len as usize)
                .min(MAX_LAYOUT_TEXT)
                .min(size - HEADER_SIZE);
            // SAFETY: `HEADER_SIZE + text_len <= size`: in bounds of the mapping.
            let text = unsafe { core::slice::from_raw_parts(base.add(HEADER_SIZE), text_len) };
            return Err(Error::LayoutMismatch {
                name: name(),
                expected: T::KIND,
                expected_size: size_of::<T>(),
                expected_fingerprint: T::FINGERPRINT,
                found: String::from_utf8_lossy(text).into_owned(),
                found_size: header.record_size,
                found_fingerprint: header.fingerprint,
            });
        }
        let data_offset = header.data_offset;
        let layout_end = HEADER_SIZE as u64 + u64::from(header.layout_len);
        if data_offset < layout_end || data_offset % align_of::<T>() as u64 != 0 {
            return Err(Error::CorruptHeader {
                name: name(),
                problem: format!(
                    "the records start at offset {data_offset}, which is not after the header \
                     and layout text ({layout_end} bytes) or not aligned to {}",
                    align_of::<T>()
                ),
            });
        }
        let needed = header
            .len
            .checked_mul(header.record_size)
            .and_then(|b| b.checked_add(data_offset));
        if needed.is_none_or(|needed| needed > size as u64) {
            return Err(Error::Truncated {
                name: name(),
                size,
                len: header.len,
                record_size: header.record_size,
                data_offset,
                needed: needed.unwrap_or(u64::MAX),
            });
        }
        if state != READY {
            return Err(Error::NotReady {
                name: name(),
                creator_pid: header.creator_pid,
                creator_running: crate::segment::process_is_running(header.creator_pid),
            });
        }
        // `needed <= size`, so both fit in `usize`.
        Self::from_segment(
            segment,
            header.len as usize,
            data_offset as usize,
            header.creator_pid,
        )
    }

    fn from_segment(
        segment: Segment,
        len: usize,
        data_offset: usize,
        creator_pid: u32,
    ) -> Result<Self, Error> {
        debug_assert!(data_offset + len * size_of::<T>() <= segment.len());
        // SAFETY: `data_offset <= segment.len()` (checked by the callers), so the pointer is in
        // bounds of the mapping or one past its end.
        let data = unsafe { segment.as_ptr().add(data_offset) };
        if (data as usize) % align_of::<T>() != 0 {
            return Err(Error::RecordsMisaligned {
                name: segment.name().to_owned(),
                type_name: core::any::type_name::<T>(),
                align: align_of::<T>(),
            });
        }
        Ok(SharedArray {
            data: NonNull::new(data.cast::<T>()).expect("a mapping is never at address 0"),
            segment,
            len,
            data_offset,
            creator_pid,
            _records: PhantomData,
        })
    }

    /// The segment's name: exactly what [`open`](Self::open) takes, what `/dev/shm` lists, and
    /// what Python's `SharedMemory(name=...)` takes.
    pub fn name(&self) -> &str {
        self.segment.name()
    }

    /// The offset of the first record from the start of the segment, in bytes: a multiple of 64.
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// The process id of the segment's creator.
    pub fn creator_pid(&self) -> u32 {
        self.creator_pid
    }

    /// The size of the whole segment in bytes: header, layout text and records.
    pub fn segment_len(&self) -> usize {
        self.segment.len()
    }

    /// What a Python process needs to read the records without a copy, as one JSON object:
    /// `{"name": ..., "dtype": ..., "offset": ..., "count": ..., "itemsize": ...}`, with the
    /// numpy dtype description of [`Kind::numpy_dtype`].
    ///
    /// ```
    /// # use shmsafe::SharedArray;
    /// let a = SharedArray::from_slice(&[1.0_f64, 2.0])?;
    /// assert_eq!(
    ///     a.numpy_handoff(),
    ///     format!(r#"{{"name": "{}", "dtype": "<f8", "offset": 128, "count": 2, "itemsize": 8}}"#, a.name())
    /// );
    /// # Ok::<(), shmsafe::Error>(())
    /// ```
    pub fn numpy_handoff(&self) -> String {
        format!(
            r#"{{"name": "{}", "dtype": {}, "offset": {}, "count": {}, "itemsize": {}}}"#,
            self.name(),
            T::KIND.numpy_dtype(),
            self.data_offset,
            self.len,
            size_of::<T>()
        )
    }
}

impl<T: ShmSafe> ArrayWriter<T> {
    /// Fills record `i` with `f(i)` using `threads` threads (at least one), each writing its
    /// own contiguous chunk in place.
    ///
    /// Writing shared pages costs more than writing private ones (each first write maps a page
    /// of the segment), so for large arrays this is where threads pay.
    pub fn fill_parallel(&mut self, threads: usize, f: impl Fn(usize) -> T + Sync)
    where
        T: Send,
    {
        fill_parallel(self, threads, f);
    }

    /// The segment's name. Opening it fails with [`Error::NotReady`] until
    /// [`publish`](Self::publish).
    pub fn name(&self) -> &str {
        self.array.name()
    }

    /// Marks the records as complete (with `Release` ordering, so an opener that sees the mark
    /// sees every record) and returns the array, read-only from now on.
    pub fn publish(self) -> SharedArray<T> {
        // SAFETY: the header is at the start of the mapping, in bounds and aligned, and its state
        // word at offset 12 is only accessed atomically.
        let state = unsafe { &*self.array.segment.as_ptr().add(12).cast::<AtomicU32>() };
        state.store(READY, Ordering::Release);
        self.array
    }
}

/// Sets `records[i] = f(i)` for every `i` using `threads` threads (at least one), each writing
/// one contiguous chunk in place; the calling thread takes the first chunk.
///
/// This is how [`ArrayWriter::fill_parallel`] fills a segment. It is public so that a `Vec` can
/// be filled exactly the same way when the two are compared.
///
/// ```
/// let mut v = vec![0_u64; 10];
/// shmsafe::fill_parallel(&mut v, 3, |i| i as u64 * 2);
/// assert_eq!(v[9], 18);
/// ```
pub fn fill_parallel<T: ShmSafe + Send>(
    records: &mut [T],
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) {
    let threads = threads.clamp(1, records.len().max(1));
    let chunk = records.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let f = &f;
        let mut chunks = records.chunks_mut(chunk).enumerate();
        let first = chunks.next();
        for (c, slots) in chunks {
            scope.spawn(move || {
                for (i, slot) in slots.iter_mut().enumerate() {
                    set(slot, f(c * chunk + i));
                }
            });
        }
        if let Some((_, slots)) = first {
            for (i, slot) in slots.iter_mut().enumerate() {
                set(slot, f(i));
            }
        }
    });
}

/// Stores `value` without running `Drop` on the zeroed record it replaces (records are plain
/// bytes; a user's `Drop` never expected to see one it did not build).
fn set<T>(slot: &mut T, value: T) {
    core::mem::forget(core::mem::replace(slot, value));
}

/// One thread per 4 MiB, at most one per CPU.
fn useful_threads(bytes: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (bytes / (4 << 20)).clamp(1, cpus)
}

impl<T: ShmSafe> Deref for SharedArray<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `data` points to `len` records inside the mapping (checked on open, planned on
        // create), aligned for `T`; every bit pattern is a valid `T`; the mapping lives as long
        // as `self`. The creator no longer writes after publishing, and `open`'s caller promised
        // that no one else writes except through atomics.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl<T: ShmSafe> Deref for ArrayWriter<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.array
    }
}

impl<T: ShmSafe> DerefMut for ArrayWriter<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `Deref`; in addition the writer is the segment's only user until it is
        // published (openers refuse it while the state is `WRITING`), and `&mut self` makes this
        // borrow unique within this process.
        unsafe { core::slice::from_raw_parts_mut(self.array.data.as_ptr(), self.array.len) }
    }
}

impl<T: ShmSafe> fmt::Debug for SharedArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedArray")
            .field("name", &self.name())
            .field("len", &self.len)
            .field("layout", &describe::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> fmt::Debug for ArrayWriter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArrayWriter")
            .field("name", &self.name())
            .field("len", &self.array.len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedStr;

    #[derive(crate::ShmSafe, Clone, Copy, Debug, PartialEq)]
    #[repr(C)]
    struct Row {
        date: i64,
        val: f64,
        name: FixedStr<6>,
        _pad: [u8; 2],
    }

    #[test]
    fn header_is_what_the_docs_say() {
        assert_eq!(core::mem::offset_of!(Header, state), 12);
        assert_eq!(HEADER_SIZE, 64);
    }

    #[test]
    fn data_starts_on_a_cache_line_after_the_layout_text() {
        let a = SharedArray::from_fn(3, |i| i as u8).unwrap();
        assert_eq!(a.data_offset() % 64, 0);
        assert!(a.data_offset() >= HEADER_SIZE + describe::<u8>().len());
        assert_eq!(&a[..], &[0, 1, 2]);
    }

    #[test]
    fn empty_arrays_work() {
        let a = SharedArray::<Row>::from_slice(&[]).unwrap();
        assert!(a.is_empty());
        // SAFETY: nothing writes to the segment.
        let b = unsafe { SharedArray::<Row>::open(a.name()) }.unwrap();
        assert!(b.is_empty());
    }

    #[test]
    fn parallel_fill_writes_every_record_once() {
        for threads in [1, 2, 3, 7, 50] {
            let mut w = SharedArray::<u32>::writer(37).unwrap();
            w.fill_parallel(threads, |i| i as u32 * 3);
            let a = w.publish();
            assert!(
                a.iter().enumerate().all(|(i, &v)| v == i as u32 * 3),
                "{threads}"
            );
        }
    }

    #[test]
    fn unpublished_segments_are_not_ready() {
        let w = SharedArray::<u64>::writer(10).unwrap();
        // SAFETY: nothing writes to the segment's records while it is open.
        let err = unsafe { SharedArray::<u64>::open(w.name()) }.unwrap_err();
        assert!(
            matches!(err, Error::NotReady { creator_pid, creator_running: true, .. } if creator_pid == std::process::id())
        );
        let name = w.name().to_owned();
        drop(w);
        // SAFETY: as above.
        let err = unsafe { SharedArray::<u64>::open(&name) }.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
    }

    #[test]
    fn layout_mismatch_shows_both_layouts() {
        let a = SharedArray::from_fn(2, |i| Row {
            date: i as i64,
            val: 1.0,
            name: FixedStr::truncating("abc"),
            _pad: [0; 2],
        })
        .unwrap();
        // SAFETY: nothing writes to the segment.
        let err = unsafe { SharedArray::<[u64; 3]>::open(a.name()) }.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::LayoutMismatch { .. }));
        assert!(msg.contains("opened as (3,)<u8"), "{msg}");
        assert!(
            msg.contains("it holds Row {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} (24 bytes, align 8)"),
            "{msg}"
        );
    }
}
