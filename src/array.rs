//! `SharedArray<T>`: a named segment holding a header, the layout section and `len` records
//! of `T`, in the format of [`crate::format`].

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use core::sync::atomic::{Ordering, fence};
use std::fmt;

use crate::error::Error;
use crate::format::{self, Plan, READY, describe};
use crate::safe::{Atomic, Immutable, ShmSafe};
use crate::segment::{Access, Opened, Segment};

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
    /// Whether this process's mapping has write permission yet: it gets it on the first
    /// `deref_mut`, since records written with `pwrite` do not need it.
    writable: bool,
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

impl<T: ShmSafe> SharedArray<T> {
    /// Creates a segment of `len` zeroed records to fill in place, without an intermediate copy.
    /// Other processes cannot open it until [`ArrayWriter::publish`].
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if `len` records do not fit in memory, [`Error::NoSpace`] if
    /// `/dev/shm` has too little free space for them (the whole segment is reserved here, so
    /// neither the creator nor a reader can later die of `SIGBUS` on a full `/dev/shm`),
    /// [`Error::Os`] if the OS refuses the segment otherwise.
    pub fn writer(len: usize) -> Result<ArrayWriter<T>, Error> {
        const { crate::assert_layout::<T>() };
        let plan = Plan::new::<T>(len, format::random_u64()?)?;
        let segment = Segment::create(&plan.prefix(), plan.total)?;
        let array =
            SharedArray::from_segment(segment, len, plan.data_offset, plan.header.creator_pid)?;
        Ok(ArrayWriter {
            array,
            writable: false,
        })
    }

    /// Creates a segment of `len` records, record `i` being `f(i)`, and publishes it.
    ///
    /// Records are computed on this thread and written as
    /// [`ArrayWriter::fill_parallel`] writes them; for large arrays
    /// [`from_fn_parallel`](Self::from_fn_parallel) spreads the work over threads.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer).
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> T) -> Result<Self, Error> {
        const { crate::assert_layout::<T>() };
        let mut writer = Self::writer(len)?;
        write_blocks(0..len, &mut f, &writer.records_sink());
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
        const { crate::assert_layout::<T>() };
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
        const { crate::assert_layout::<T>() };
        let mut writer = Self::writer(records.len())?;
        // SAFETY: `assert_layout` proved that `T` has no padding, so every byte of the records
        // is initialised; a `Copy` type holds no `UnsafeCell`, so nothing can change them while
        // they are borrowed here.
        let bytes = unsafe {
            core::slice::from_raw_parts(records.as_ptr().cast::<u8>(), size_of_val(records))
        };
        writer.records_sink()(bytes, 0);
        Ok(writer.publish())
    }

    /// Opens the segment `name` read-only and checks it holds records of `T`.
    ///
    /// `name` is what [`name`](Self::name) returned in the creator (a leading `/` is accepted).
    /// The file is opened read-only and its pages are mapped read-only: read permission is all
    /// it takes, and a write through a pointer into them faults in this process. Only the open
    /// and the checks happen here; the records are read from the segment as you use the slice,
    /// with no copy.
    ///
    /// Records with atomic fields are opened with [`open_read_write`](Self::open_read_write)
    /// instead: an atomic in read-only memory cannot be used as one.
    ///
    /// # Errors
    ///
    /// Checked in this order, each with its own variant: [`Error::InvalidName`],
    /// [`Error::NotFound`], [`Error::PermissionDenied`], [`Error::NotARegularFile`] (a
    /// directory, a link, a FIFO, ...), [`Error::Untrusted`] (owned by another user, or writable
    /// by others), [`Error::TooSmall`] (smaller than a header), [`Error::NotShmsafe`] (bad
    /// magic), [`Error::UnsupportedVersion`], [`Error::LayoutMismatch`] (another record type),
    /// [`Error::CorruptHeader`] or [`Error::Truncated`] (not exactly what a writer produces),
    /// [`Error::NotReady`] (not published; the error says whether its creator still holds it),
    /// [`Error::RecordsMisaligned`].
    ///
    /// # Safety
    ///
    /// The checks prove the segment *was* written by `shmsafe` with this record layout, is a
    /// regular file of this user that no other user can write, and was exactly as large as its
    /// writer made it; since every bit pattern of `T` is valid, no bytes can make the records
    /// undefined behaviour to read. What they cannot prove is what other processes *of the same
    /// user* do next: the file stays writable by its owner. While the returned array (or a
    /// reference from it) is alive:
    ///
    /// - no process may write to the records (a write that races with this process's reads is
    ///   a data race, undefined behaviour in Rust);
    /// - no process may shrink the segment (`ftruncate`): reading a page past its new end kills
    ///   this process with `SIGBUS`.
    ///
    /// Segments created by `SharedArray` are never written after they are published and never
    /// resized, so opening one of those satisfies both, as long as only `shmsafe` programs of
    /// the same user touch it. Where that is not enough, [`SealedArray`](crate::SealedArray)
    /// has the kernel enforce both, and its `open` is safe.
    pub unsafe fn open(name: &str) -> Result<Self, Error>
    where
        T: Immutable,
    {
        const { crate::assert_layout::<T>() };
        Self::open_with(name, Access::ReadOnly)
    }

    /// Opens the segment `name` read-write, for records with atomic fields: the one sanctioned
    /// way for several processes to mutate shared state. Checks as [`open`](Self::open), and
    /// needs write permission on the file.
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
        const { crate::assert_layout::<T>() };
        Self::open_with(name, Access::ReadWrite)
    }

    fn open_with(name: &str, access: Access) -> Result<Self, Error> {
        let opened = Opened::open(name, access)?;
        let checked = format::validate::<T>(opened.name(), opened.size(), |buf, offset| {
            opened.read_at(buf, offset)
        })?;
        let not_ready = |opened: &Opened| Error::NotReady {
            name: opened.name().to_owned(),
            creator_pid: checked.creator_pid,
            creator_running: opened.creator_alive(),
        };
        if checked.state != READY {
            return Err(not_ready(&opened));
        }
        let name = opened.name().to_owned();
        let segment = opened.map(access)?;
        // The check above read a copy; what orders this process's reads of the records after
        // the creator's writes is this atomic load of the state word in the mapping and the
        // fence after it, which pair with the creator's `Release` store of `READY`.
        if segment.mapping().load_state() != READY {
            return Err(Error::CorruptHeader {
                name,
                problem: "its state changed from ready while it was opened".into(),
            });
        }
        fence(Ordering::Acquire);
        Self::from_segment(
            segment,
            checked.len,
            checked.data_offset,
            checked.creator_pid,
        )
    }

    fn from_segment(
        segment: Segment,
        len: usize,
        data_offset: usize,
        creator_pid: u32,
    ) -> Result<Self, Error> {
        debug_assert!(data_offset + len * size_of::<T>() <= segment.mapping().len());
        // SAFETY: `data_offset + len * size_of::<T>()` is the size of the segment (planned on
        // create, validated on open), so the pointer is in bounds of the mapping or one past its
        // end.
        let data = unsafe { segment.mapping().as_ptr().add(data_offset) };
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

    /// The process id of the segment's creator, as its header records it (for messages: a pid
    /// can be reused, and means something else in another pid namespace).
    pub fn creator_pid(&self) -> u32 {
        self.creator_pid
    }

    /// The size of the whole segment in bytes: header, layout text and records.
    pub fn segment_len(&self) -> usize {
        self.segment.mapping().len()
    }

    /// What a Python process needs to read the records without a copy, as one JSON object:
    /// `{"name": ..., "dtype": ..., "offset": ..., "count": ..., "itemsize": ...}`, with the
    /// numpy dtype description of [`Kind::numpy_dtype`](crate::Kind::numpy_dtype).
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
    /// Fills record `i` with `f(i)` using `threads` threads (at least one), each computing its
    /// own contiguous chunk.
    ///
    /// Each thread builds its records in a small private buffer and has the kernel copy each
    /// buffer into the segment's file (`pwrite`), then maps those pages into this process
    /// read-only. That is cheaper than writing through the mapping, where the first write to
    /// each page takes a page fault that zeroes the page before it maps it. The kernel copies
    /// into one file one `pwrite` at a time; while one thread's copy runs, the other threads
    /// compute and map theirs, so for large arrays this is where threads pay.
    pub fn fill_parallel(&mut self, threads: usize, f: impl Fn(usize) -> T + Sync)
    where
        T: Send,
    {
        let len = self.array.len;
        fill_by_writes(len, threads, &f, &self.records_sink());
    }

    /// What writes records with `pwrite` (see [`fill_parallel`](Self::fill_parallel)):
    /// `sink(bytes, offset)` writes `bytes` over the records from byte `offset` of the first
    /// one, then maps those pages into this process, read-only (so that readers' memory figures
    /// count them as shared, as they would be had the creator written them in place). Threads
    /// may call it at the same time for byte ranges that do not overlap.
    ///
    /// # Panics
    ///
    /// If the bytes reach past the last record.
    fn records_sink(&mut self) -> impl Fn(&[u8], usize) + Sync + '_ {
        let (segment, data_offset) = (&self.array.segment, self.array.data_offset);
        let records = self.array.len * size_of::<T>();
        move |bytes: &[u8], at: usize| {
            assert!(at <= records && bytes.len() <= records - at);
            let start = data_offset + at;
            // SAFETY: the sink borrows the writer mutably for as long as it lives, so no
            // reference into the records exists in this process (every slice of them borrows
            // the writer), and no other process can open the segment before it is published;
            // callers hand over ranges that no other thread writes at the same time; the range
            // lies within the records (asserted), hence within the mapping.
            unsafe { segment.write_at(bytes, start) };
            segment.mapping().populate_read(start..start + bytes.len());
        }
    }

    /// The segment's name. Opening it fails with [`Error::NotReady`] until
    /// [`publish`](Self::publish).
    pub fn name(&self) -> &str {
        self.array.name()
    }

    /// Marks the records as complete (with `Release` ordering, so an opener that sees the mark
    /// sees every record) and returns the array, read-only from now on: this process's own
    /// mapping loses write permission too.
    ///
    /// # Panics
    ///
    /// If the OS refuses to change the protection of this process's own mapping (`mprotect`:
    /// the header's page becomes writable for the store, then the whole mapping read-only),
    /// which it only does when the process already has `vm.max_map_count` mappings.
    pub fn publish(self) -> SharedArray<T> {
        self.array
            .segment
            .publish()
            .expect("mprotect of this process's own mapping");
        self.array
    }
}

/// Sets `records[i] = f(i)` for every `i` using `threads` threads (at least one), each writing
/// one contiguous chunk in place; the calling thread takes the first chunk.
///
/// It is public so that a `Vec` can be filled with the same split of the work as
/// [`ArrayWriter::fill_parallel`] when the two are compared (which, instead of writing in
/// place, has the kernel copy each thread's records into the segment).
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
    const { crate::assert_layout::<T>() };
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

/// How many bytes of records a thread builds before it hands them to the kernel: a whole
/// number of records, small enough to stay in the CPU's cache, large enough that the
/// system calls are few.
const BLOCK_BYTES: usize = 256 << 10;

/// Computes record `i` as `f(i)` for every `i < len` with `threads` threads (at least one), each
/// taking one contiguous chunk (the calling thread the first), and hands the records' bytes to
/// `write(bytes, offset)` block by block, `offset` counted in bytes from the first record. Each
/// byte range is handed over exactly once, by one thread.
pub(crate) fn fill_by_writes<T: ShmSafe + Send>(
    len: usize,
    threads: usize,
    f: &(impl Fn(usize) -> T + Sync),
    write: &(impl Fn(&[u8], usize) + Sync),
) {
    const { crate::assert_layout::<T>() };
    let threads = threads.clamp(1, len.max(1));
    let chunk = len.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for c in 1..threads {
            let records = c * chunk..((c + 1) * chunk).min(len);
            scope.spawn(move || write_blocks(records, &mut |i| f(i), write));
        }
        write_blocks(0..chunk.min(len), &mut |i| f(i), write);
    });
}

/// Computes records `range` in order, block by block into a private buffer, and hands each
/// block's bytes to `write(bytes, offset)` (see [`fill_by_writes`]).
pub(crate) fn write_blocks<T: ShmSafe>(
    range: core::ops::Range<usize>,
    f: &mut impl FnMut(usize) -> T,
    write: &impl Fn(&[u8], usize),
) {
    const { crate::assert_layout::<T>() };
    let size = size_of::<T>();
    let block = (BLOCK_BYTES / size.max(1)).clamp(1, range.len().max(1));
    let mut buffer = Box::<[T]>::new_uninit_slice(block);
    let mut start = range.start;
    while start < range.end {
        let n = block.min(range.end - start);
        for (j, slot) in buffer[..n].iter_mut().enumerate() {
            // `MaybeUninit::write` never drops what it overwrites, and nothing drops the values
            // afterwards: their bytes move to the segment, as `set` leaves a record in one.
            slot.write(f(start + j));
        }
        // SAFETY: the first `n` records of `buffer` were just initialised, and every byte of a
        // record is initialised (`assert_layout` proved that `T` has no padding); the buffer is
        // this thread's own, so nothing writes to it (not even through an atomic field) while
        // its bytes are borrowed.
        let bytes = unsafe { core::slice::from_raw_parts(buffer.as_ptr().cast::<u8>(), n * size) };
        write(bytes, start * size);
        start += n;
    }
}

/// Stores `value` without running `Drop` on the zeroed record it replaces (records are plain
/// bytes; a user's `Drop` never expected to see one it did not build).
pub(crate) fn set<T>(slot: &mut T, value: T) {
    core::mem::forget(core::mem::replace(slot, value));
}

/// One thread per 4 MiB, at most one per CPU.
pub(crate) fn useful_threads(bytes: usize) -> usize {
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
        if !self.writable {
            self.array
                .segment
                .make_writable()
                .expect("mprotect of this process's own mapping of a file opened to write");
            self.writable = true;
        }
        // SAFETY: as for `Deref`, and the mapping is writable (above); in addition the writer is
        // the segment's only user until it is published (openers refuse it while the state is
        // `WRITING`), and `&mut self` makes this borrow unique within this process.
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
    fn data_starts_on_a_cache_line_after_the_layout_text() {
        let a = SharedArray::from_fn(3, |i| i as u8).unwrap();
        assert_eq!(a.data_offset() % 64, 0);
        assert!(a.data_offset() >= format::HEADER_SIZE + describe::<u8>().len());
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

    /// A record whose size divides neither a page nor a block, so that blocks and threads
    /// start and end in the middle of pages.
    #[derive(crate::ShmSafe, Clone, Copy, Debug, PartialEq)]
    #[repr(C)]
    struct Odd([u8; 7]);

    fn odd(i: usize) -> Odd {
        let b = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes();
        Odd([b[0], b[1], b[2], b[3], b[4], b[5], b[6]])
    }

    #[test]
    fn every_way_of_filling_writes_every_record_and_readers_see_them() {
        // Several blocks per thread, and a last block that is not full.
        let len = 3 * BLOCK_BYTES / 7 + 12_345;
        let expected: Vec<Odd> = (0..len).map(odd).collect();
        let mut arrays = vec![
            SharedArray::from_fn(len, odd).unwrap(),
            SharedArray::from_fn_parallel(len, odd).unwrap(),
            SharedArray::from_slice(&expected).unwrap(),
        ];
        for threads in [1, 2, 3, 8] {
            let mut w = SharedArray::<Odd>::writer(len).unwrap();
            w.fill_parallel(threads, odd);
            arrays.push(w.publish());
        }
        for a in &arrays {
            assert!(a[..] == expected[..], "{}", a.name());
            // SAFETY: nothing writes to the segment while it is open.
            let seen = unsafe { SharedArray::<Odd>::open(a.name()) }.unwrap();
            assert!(seen[..] == expected[..], "{}", a.name());
        }
    }

    #[test]
    fn writing_in_place_after_a_fill_is_seen_by_readers() {
        let mut w = SharedArray::<u64>::writer(100_000).unwrap();
        w.fill_parallel(2, |i| i as u64);
        // The pages the fill mapped read-only become writable here.
        w[0] = u64::MAX;
        w[99_999] += 1;
        w.fill_parallel(1, |i| if i == 5 { 7 } else { i as u64 });
        w[6] = 8;
        let a = w.publish();
        // SAFETY: nothing writes to the segment while it is open.
        let seen = unsafe { SharedArray::<u64>::open(a.name()) }.unwrap();
        assert_eq!(seen[..7], [0, 1, 2, 3, 4, 7, 8]);
        assert_eq!(seen[99_999], 99_999);
        assert_eq!(&seen[..], &a[..]);
    }

    #[test]
    fn zero_sized_records_are_filled_without_writes() {
        let mut calls = 0;
        let a = SharedArray::from_fn(1000, |_| calls += 1).unwrap();
        assert_eq!((a.len(), calls), (1000, 1000));
        let mut w = SharedArray::<()>::writer(10).unwrap();
        w.fill_parallel(3, |_| ());
        assert_eq!(w.publish().len(), 10);
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
