//! `SealedArray<T>`: records in a memfd that the kernel has sealed against every change, which
//! any process of the same user can therefore open with no `unsafe` at all.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use core::sync::atomic::{Ordering, fence};
use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use crate::error::Error;
use crate::format::{self, Plan, READY, describe};
use crate::safe::{Immutable, ShmSafe};
use crate::segment::{self, Mapping, SealedMap};

/// Records of `T` in a sealed memfd: written once by their creator, then immutable for every
/// process, root included, so that other processes open them safely.
///
/// The creator builds it ([`from_fn`](Self::from_fn), [`from_fn_parallel`](Self::from_fn_parallel),
/// [`from_slice`](Self::from_slice), or [`writer`](Self::writer) and [`SealedWriter::seal`]);
/// other processes of the same user [`open`](Self::open) its [`handle`](Self::handle), or
/// receive its file descriptor ([`from_fd`](Self::from_fd)), and read it as a `&[T]` through
/// `Deref`.
///
/// # Why opening needs no `unsafe`
///
/// [`SharedArray::open`](crate::SharedArray::open) is `unsafe` because nothing stops another
/// process of the same user from writing to a `/dev/shm` file or shrinking it while it is read.
/// A memfd can be *sealed* (`fcntl(F_ADD_SEALS)`, Linux 3.17, `memfd_create(2)`): once it
/// carries `F_SEAL_WRITE`, `F_SEAL_SHRINK`, `F_SEAL_GROW` and `F_SEAL_SEAL`, the kernel refuses
/// every `write`, `pwrite`, `ftruncate`, hole punch and writable shared mapping, from every
/// process, root included, and no seal can ever be removed. Sealing itself fails (`EBUSY`)
/// while any writable shared mapping of the file exists, so no process can keep one across the
/// seal. Opening checks that all four seals are present before it reads a byte: from then on
/// the bytes it validated are the bytes it maps, forever, and since every bit pattern of a
/// `ShmSafe` type is valid, the `&[T]` it hands out cannot be undefined behaviour to read.
/// What remains is outside the process's memory model: a kernel bug, or a debugger.
///
/// # Handles
///
/// [`handle`](Self::handle) is `/proc/<pid>/fd/<n>#<nonce>`: the holder's process id, its
/// descriptor and a random nonce that the segment's header also carries. Another process of
/// the same user opens that path (read-only: a new, read-only open file description) while the
/// holder keeps the array; after the holder drops it, the descriptor number may be reused by
/// another file, which the nonce refuses ([`Error::StaleHandle`]). A child process can inherit
/// the descriptor instead ([`from_fd`](Self::from_fd)).
///
/// The memory is freed when the last holder (a `SealedArray`, a mapping or a descriptor)
/// is gone, whichever way its process ends: nothing is left in `/dev/shm` or anywhere else,
/// and the space does not count against `/dev/shm`'s size.
///
/// # Examples
///
/// ```
/// use shmsafe::SealedArray;
///
/// let squares = SealedArray::from_fn(5, |i| (i * i) as u64)?;
/// // In another process of the same user: `SealedArray::<u64>::open(handle)`, no `unsafe`.
/// let seen = SealedArray::<u64>::open(squares.handle())?;
/// assert_eq!(&seen[..], &[0, 1, 4, 9, 16]);
/// // The wrong record type is an error, not a reinterpretation.
/// assert!(SealedArray::<f64>::open(squares.handle()).is_err());
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub struct SealedArray<T: ShmSafe> {
    fd: OwnedFd,
    map: Mapping,
    data: NonNull<T>,
    len: usize,
    handle: String,
    _records: PhantomData<T>,
}

/// A sealed array being filled by its creator: a `&mut [T]` over zeroed records, sealed into a
/// [`SealedArray`] by [`seal`](Self::seal). No other process can open it before.
///
/// ```
/// use shmsafe::SealedArray;
///
/// let mut writer = SealedArray::<f64>::writer(1_000)?;
/// writer.fill_parallel(2, |i| i as f64);
/// writer[0] = -1.0;
/// let array = writer.seal()?;
/// assert_eq!(array[..3], [-1.0, 1.0, 2.0]);
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub struct SealedWriter<T: ShmSafe> {
    fd: OwnedFd,
    map: Mapping,
    data: NonNull<T>,
    len: usize,
    nonce: u64,
    _records: PhantomData<T>,
}

// SAFETY: a `SealedArray<T>` gives out only `&T`, so moving it to another thread is sound when
// `&T` may be used there, which is `T: Sync`; its descriptor and mapping may be closed anywhere.
unsafe impl<T: ShmSafe + Sync> Send for SealedArray<T> {}
// SAFETY: `&SealedArray<T>` gives out `&T` only.
unsafe impl<T: ShmSafe + Sync> Sync for SealedArray<T> {}
// SAFETY: a `SealedWriter<T>` gives out `&mut T` and `&T`: sound on another thread when
// `T: Send + Sync`.
unsafe impl<T: ShmSafe + Send + Sync> Send for SealedWriter<T> {}
// SAFETY: `&SealedWriter<T>` gives out `&T` only.
unsafe impl<T: ShmSafe + Sync> Sync for SealedWriter<T> {}

impl<T: Immutable> SealedArray<T> {
    /// Creates a memfd for `len` zeroed records to fill in place; [`SealedWriter::seal`] then
    /// seals it. Nothing of it is shared before.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if `len` records do not fit in memory, [`Error::Os`] if the OS
    /// refuses the memfd.
    pub fn writer(len: usize) -> Result<SealedWriter<T>, Error> {
        const { crate::assert_layout::<T>() };
        let nonce = format::random_u64()?;
        let mut plan = Plan::new::<T>(len, nonce)?;
        // The state is final from the start: nobody can open the memfd before it is sealed, and
        // after that nothing can change it.
        plan.header.state = READY;
        let (fd, map) = segment::memfd_create(&plan.prefix(), plan.total)?;
        // SAFETY: the memfd is `plan.total = data_offset + len * size_of::<T>()` bytes, all
        // mapped, so the records start in bounds; `data_offset` is a multiple of `T`'s
        // alignment and the mapping is page-aligned.
        let data = unsafe { map.as_ptr().add(plan.data_offset) }.cast::<T>();
        Ok(SealedWriter {
            fd,
            map,
            data: NonNull::new(data).expect("a mapping is never at address 0"),
            len,
            nonce,
            _records: PhantomData,
        })
    }

    /// Creates a sealed array of `len` records, record `i` being `f(i)`, computed on this
    /// thread and copied into the memfd by the kernel (`pwrite`), a block at a time.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer) and [`SealedWriter::seal`].
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> T) -> Result<Self, Error> {
        const { crate::assert_layout::<T>() };
        let mut writer = Self::writer(len)?;
        crate::array::write_blocks(0..len, &mut f, &writer.records_sink());
        writer.seal()
    }

    /// Creates a sealed array of `len` records, record `i` being `f(i)`, filled by as many
    /// threads as pay (one per 4 MiB of records, at most one per CPU).
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer) and [`SealedWriter::seal`].
    pub fn from_fn_parallel(len: usize, f: impl Fn(usize) -> T + Sync) -> Result<Self, Error>
    where
        T: Send,
    {
        const { crate::assert_layout::<T>() };
        let mut writer = Self::writer(len)?;
        let threads = crate::array::useful_threads(len * size_of::<T>());
        writer.fill_parallel(threads, f);
        writer.seal()
    }

    /// Creates a sealed array holding a copy of `records`.
    ///
    /// # Errors
    ///
    /// As [`writer`](Self::writer) and [`SealedWriter::seal`].
    pub fn from_slice(records: &[T]) -> Result<Self, Error>
    where
        T: Copy,
    {
        const { crate::assert_layout::<T>() };
        let mut writer = Self::writer(records.len())?;
        writer.records_sink()(crate::bytes::slice_as_bytes(records), 0);
        writer.seal()
    }

    /// Opens the sealed array that `handle` names (what [`handle`](Self::handle) returned in
    /// the process that holds it) and checks that it holds records of `T`.
    ///
    /// Safe: see the type's documentation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHandle`] for a string not of the handle's form; [`Error::HandleGone`]
    /// when the holder is gone or never had that descriptor; [`Error::PermissionDenied`] for a holder
    /// of another user; then as [`from_fd`](Self::from_fd), and [`Error::StaleHandle`] when the
    /// descriptor now holds another sealed array.
    pub fn open(handle: &str) -> Result<Self, Error> {
        const { crate::assert_layout::<T>() };
        let (path, nonce) = parse_handle(handle)?;
        let fd = segment::open_read_only(path).map_err(|e| match e {
            Error::NotFound { .. } => Error::HandleGone {
                handle: format::printable(handle),
            },
            Error::PermissionDenied { source, .. } => Error::PermissionDenied {
                name: format::printable(handle),
                source,
            },
            e => e,
        })?;
        Self::check(
            fd,
            &format::printable(handle),
            Some(nonce),
            SealedMap::Shared,
        )
    }

    /// Takes a descriptor of a sealed array (inherited from a parent, received over a Unix
    /// socket with `SCM_RIGHTS`, or from [`AsFd`] and `try_clone_to_owned`) and checks it.
    ///
    /// Safe: see the type's documentation.
    ///
    /// # Errors
    ///
    /// [`Error::NotARegularFile`] (a pipe, a socket, a directory, ...), [`Error::NotSealed`]
    /// naming each missing seal, then the header checks of
    /// [`SharedArray::open`](crate::SharedArray::open): [`Error::TooSmall`],
    /// [`Error::NotShmsafe`], [`Error::UnsupportedVersion`], [`Error::LayoutMismatch`],
    /// [`Error::CorruptHeader`], [`Error::Truncated`].
    pub fn from_fd(fd: OwnedFd) -> Result<Self, Error> {
        const { crate::assert_layout::<T>() };
        let name = format!("file descriptor {}", fd.as_raw_fd());
        Self::check(fd, &name, None, SealedMap::Shared)
    }

    /// As [`from_fd`](Self::from_fd), mapping the records `MAP_PRIVATE` as kernels that refuse
    /// a shared read-only mapping of a write-sealed memfd make it do: the fallback path, forced,
    /// so that tests run it on every kernel.
    #[doc(hidden)]
    pub fn __from_fd_private_mapping(fd: OwnedFd) -> Result<Self, Error> {
        let name = format!("file descriptor {}", fd.as_raw_fd());
        Self::check(fd, &name, None, SealedMap::Private)
    }

    fn check(fd: OwnedFd, name: &str, nonce: Option<u64>, how: SealedMap) -> Result<Self, Error> {
        // Seals first: once all four are there, nothing can change the file any more, so what
        // is validated below is what is mapped, for good.
        let missing = segment::missing_seals(fd.as_fd());
        if !missing.is_empty() {
            // A directory or a pipe has no seals either: say what it is instead.
            segment::regular_file_size(fd.as_fd(), name)?;
            return Err(Error::NotSealed {
                name: name.to_owned(),
                missing,
            });
        }
        let size = segment::regular_file_size(fd.as_fd(), name)?;
        let checked = format::validate::<T>(name, size, |buf, offset| {
            segment::read_at(fd.as_fd(), buf, offset)
        })?;
        if checked.state != READY {
            return Err(Error::CorruptHeader {
                name: name.to_owned(),
                problem: "it was sealed before it was marked ready, which no writer does".into(),
            });
        }
        if let Some(expected) = nonce.filter(|&n| n != checked.nonce) {
            return Err(Error::StaleHandle {
                name: name.to_owned(),
                expected,
                found: checked.nonce,
            });
        }
        // `validate` checked that `size` is exactly the planned size, which fits in memory.
        let map = segment::map_sealed(fd.as_fd(), size as usize, how, name)?;
        if map.load_state() != READY {
            return Err(Error::CorruptHeader {
                name: name.to_owned(),
                problem: "its state changed although it is sealed".into(),
            });
        }
        // Pairs with nothing in another process (the bytes were final before the seal), but
        // keeps the reading of records after the state check explicit, as for named segments.
        fence(Ordering::Acquire);
        Self::from_parts(fd, map, checked.data_offset, checked.len, checked.nonce)
    }

    fn from_parts(
        fd: OwnedFd,
        map: Mapping,
        data_offset: usize,
        len: usize,
        nonce: u64,
    ) -> Result<Self, Error> {
        // SAFETY: `data_offset + len * size_of::<T>()` is the size of the mapping (planned, or
        // validated), so the pointer is in bounds or one past the end.
        let data = unsafe { map.as_ptr().add(data_offset) };
        let handle = format!(
            "/proc/{}/fd/{}#{nonce:016x}",
            std::process::id(),
            fd.as_raw_fd()
        );
        if (data as usize) % align_of::<T>() != 0 {
            return Err(Error::RecordsMisaligned {
                name: handle,
                type_name: core::any::type_name::<T>(),
                align: align_of::<T>(),
            });
        }
        Ok(SealedArray {
            fd,
            map,
            data: NonNull::new(data.cast()).expect("a mapping is never at address 0"),
            len,
            handle,
            _records: PhantomData,
        })
    }
}

impl<T: ShmSafe> SealedArray<T> {
    /// What another process of the same user passes to [`open`](Self::open):
    /// `/proc/<pid>/fd/<n>#<nonce>`. It works while this array (in this process) is alive.
    pub fn handle(&self) -> &str {
        &self.handle
    }

    /// The size of the whole memfd in bytes: header, layout section and records.
    pub fn segment_len(&self) -> usize {
        self.map.len()
    }
}

impl<T: ShmSafe> SealedWriter<T> {
    /// Fills record `i` with `f(i)` using `threads` threads (at least one), each computing its
    /// own contiguous chunk.
    ///
    /// One thread builds its records in a small buffer and has the kernel copy them into the
    /// memfd (`pwrite`); the others write theirs in place, through the mapping. The kernel
    /// copies into one file one `pwrite` at a time, allocating its pages as it goes, so a
    /// second `pwrite` thread would only wait; page faults of the threads that write in place
    /// allocate pages meanwhile, in parallel. The `pwrite` thread takes about twice as many
    /// records as each of the others (it is about that much faster per record here).
    pub fn fill_parallel(&mut self, threads: usize, f: impl Fn(usize) -> T + Sync)
    where
        T: Send,
    {
        let len = self.len;
        let threads = threads.clamp(1, len.max(1));
        let split = (len as u128 * 2 / (threads as u128 + 1)) as usize;
        if threads == 1 || split == 0 {
            crate::array::write_blocks(0..len, &mut |i| f(i), &self.records_sink());
            return;
        }
        // SAFETY: records `split..len` lie within the mapping, which is writable, aligned for
        // `T`, and every bit pattern there is a valid `T` (see `DerefMut`); this is the only
        // reference to them, since `&mut self` is held for the whole fill and the sink below
        // writes only records `..split`.
        let in_place =
            unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr().add(split), len - split) };
        let sink = self.records_sink();
        let f = &f;
        std::thread::scope(|scope| {
            scope.spawn(move || {
                crate::array::fill_parallel(in_place, threads - 1, |i| f(split + i));
            });
            crate::array::write_blocks(0..split, &mut |i| f(i), &sink);
        });
    }

    /// What writes records with `pwrite`: `sink(bytes, offset)` writes `bytes` over the records
    /// from byte `offset` of the first one. Threads may call it at the same time for byte
    /// ranges that do not overlap. No page is mapped: [`seal`](Self::seal) drops the writable
    /// mapping anyway, and a mapping without pages goes at no cost.
    ///
    /// # Panics
    ///
    /// If the bytes reach past the last record.
    fn records_sink(&mut self) -> impl Fn(&[u8], usize) + Sync + '_ {
        let (fd, map) = (self.fd.as_fd(), &self.map);
        let records = self.len * size_of::<T>();
        let data_offset = map.len() - records;
        move |bytes: &[u8], at: usize| {
            assert!(at <= records && bytes.len() <= records - at);
            // SAFETY: the sink borrows the writer mutably for as long as it lives, so no
            // reference into the records exists in this process (every slice of them borrows
            // the writer) but what `fill_parallel` makes of records the sink is not given;
            // no other process has the memfd (close-on-exec, unnamed); callers hand over
            // ranges that no other thread writes at the same time; the range lies within the
            // records (asserted), hence within the mapping.
            unsafe { segment::write_at(fd, map, bytes, data_offset + at) };
        }
    }
}

impl<T: Immutable> SealedWriter<T> {
    /// Removes the writable mapping, seals the memfd against writing, shrinking, growing and
    /// further sealing, and maps it read-only, every page: from now on no process can change it.
    ///
    /// # Errors
    ///
    /// [`Error::SealRefused`] if another process of this user mapped the memfd for writing
    /// meanwhile (through `/proc/<pid>/fd/<n>`): the array is not shared then, and is freed.
    /// [`Error::Os`] if the OS refuses otherwise.
    pub fn seal(self) -> Result<SealedArray<T>, Error> {
        let SealedWriter {
            fd,
            map,
            len,
            nonce,
            ..
        } = self;
        let size = map.len();
        let data_offset = size - len * size_of::<T>();
        // The kernel refuses `F_SEAL_WRITE` while any writable shared mapping exists.
        drop(map);
        let name = "a new sealed array";
        segment::seal(fd.as_fd(), name)?;
        let missing = segment::missing_seals(fd.as_fd());
        if !missing.is_empty() {
            return Err(Error::NotSealed {
                name: name.into(),
                missing,
            });
        }
        let map = segment::map_sealed(fd.as_fd(), size, SealedMap::Shared, name)?;
        // Map every page now, as a creator that wrote in place did before it dropped its
        // writable mapping: a page that only one process maps counts as that process's private
        // memory, so a reader's memory figures would otherwise charge it with pages this
        // process holds too. (One thread: two populating the same mapping were slower here.)
        map.populate_read(0..size);
        SealedArray::from_parts(fd, map, data_offset, len, nonce)
    }
}

/// Splits a handle into the path to open and the nonce.
pub(crate) fn parse_handle(handle: &str) -> Result<(&str, u64), Error> {
    let invalid = |reason| Error::InvalidHandle {
        handle: format::printable(handle),
        reason,
    };
    let (path, nonce) = handle
        .split_once('#')
        .ok_or_else(|| invalid("it has no `#` before the nonce"))?;
    if nonce.len() != 16 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("its nonce is not 16 hexadecimal digits"));
    }
    let nonce = u64::from_str_radix(nonce, 16).expect("16 hex digits");
    let rest = path
        .strip_prefix("/proc/")
        .ok_or_else(|| invalid("it does not start with /proc/"))?;
    let (pid, fd) = rest
        .split_once("/fd/")
        .ok_or_else(|| invalid("it is not /proc/<pid>/fd/<n>"))?;
    let number = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    if !number(pid) || !number(fd) {
        return Err(invalid("its process id or descriptor is not a number"));
    }
    Ok((path, nonce))
}

impl<T: ShmSafe> Deref for SealedArray<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `data` points to `len` records inside the mapping, aligned for `T` (checked
        // when built); every bit pattern is a valid `T`; the mapping lives as long as `self`;
        // and the memfd carries all four seals, so no process can change or shrink the bytes
        // while the slice is borrowed.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl<T: ShmSafe> AsFd for SealedArray<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl<T: ShmSafe> Deref for SealedWriter<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `data` points to `len` zeroed-or-written records inside the writable mapping,
        // aligned for `T`; the memfd is not sealed yet, but no other process has its descriptor
        // or a handle to it (it is close-on-exec and unnamed), and `&self` excludes `&mut`.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl<T: ShmSafe> DerefMut for SealedWriter<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `Deref`, and `&mut self` makes this borrow unique in this process.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

impl<T: ShmSafe> fmt::Debug for SealedArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedArray")
            .field("handle", &self.handle)
            .field("len", &self.len)
            .field("layout", &describe::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: ShmSafe> fmt::Debug for SealedWriter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedWriter")
            .field("len", &self.len)
            .field("layout", &describe::<T>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_parsed_strictly() {
        let (path, nonce) = parse_handle("/proc/12/fd/3#00000000000000ff").unwrap();
        assert_eq!((path, nonce), ("/proc/12/fd/3", 255));
        for bad in [
            "",
            "/proc/12/fd/3",
            "/proc/12/fd/3#ff",
            "/proc/12/fd/3#zzzzzzzzzzzzzzzz",
            "/dev/shm/x#00000000000000ff",
            "/proc/12/fd/#00000000000000ff",
            "/proc/x/fd/3#00000000000000ff",
            "/proc/12/fd/3/../../../etc/passwd#00000000000000ff",
        ] {
            let err = parse_handle(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidHandle { .. }), "{bad:?}: {err}");
        }
    }

    #[test]
    fn sealed_arrays_round_trip_and_carry_all_seals() {
        let a = SealedArray::from_fn(1000, |i| i as u32).unwrap();
        assert!(segment::missing_seals(a.as_fd()).is_empty());
        let b = SealedArray::<u32>::open(a.handle()).unwrap();
        assert_eq!(&a[..], &b[..]);
        assert_eq!(b.iter().map(|&x| u64::from(x)).sum::<u64>(), 999 * 1000 / 2);
        let c = SealedArray::<u32>::__from_fd_private_mapping(a.fd.try_clone().unwrap()).unwrap();
        assert_eq!(&c[..], &a[..]);
    }

    #[test]
    fn every_way_of_filling_writes_every_record() {
        // Blocks, the `pwrite` share and the in-place chunks all end in the middle of pages.
        let len = 200_003;
        let record = |i: usize| [i as u8, (i >> 8) as u8, (i >> 16) as u8];
        let expected: Vec<[u8; 3]> = (0..len).map(record).collect();
        let mut arrays = vec![
            SealedArray::from_fn(len, record).unwrap(),
            SealedArray::from_fn_parallel(len, record).unwrap(),
            SealedArray::from_slice(&expected).unwrap(),
        ];
        for threads in [1, 2, 3, 8] {
            let mut w = SealedArray::<[u8; 3]>::writer(len).unwrap();
            w.fill_parallel(threads, record);
            arrays.push(w.seal().unwrap());
        }
        for threads in [1, 2, 7, 50] {
            let mut w = SealedArray::<u32>::writer(5).unwrap();
            w.fill_parallel(threads, |i| i as u32 + 1);
            w[4] = 0;
            assert_eq!(&w.seal().unwrap()[..], &[1, 2, 3, 4, 0], "{threads}");
        }
        for a in &arrays {
            assert!(a[..] == expected[..]);
            let seen = SealedArray::<[u8; 3]>::open(a.handle()).unwrap();
            assert!(seen[..] == expected[..]);
        }
    }

    #[test]
    fn a_stale_nonce_is_refused() {
        let a = SealedArray::from_slice(&[1_u8, 2, 3]).unwrap();
        let (path, nonce) = parse_handle(a.handle()).unwrap();
        let other = format!("{path}#{:016x}", nonce ^ 1);
        let err = SealedArray::<u8>::open(&other).unwrap_err();
        assert!(matches!(err, Error::StaleHandle { .. }), "{err}");
    }

    #[test]
    fn empty_sealed_arrays_work() {
        let a = SealedArray::<u64>::from_slice(&[]).unwrap();
        assert!(a.is_empty());
        assert!(SealedArray::<u64>::open(a.handle()).unwrap().is_empty());
    }
}
