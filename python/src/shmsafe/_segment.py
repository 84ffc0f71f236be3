"""Creating and opening segments: the only module that talks to the operating system.

Everything goes through ``os``, ``fcntl`` and ``mmap`` directly. ``multiprocessing.shared_memory``
is not used: it registers every segment it opens with the resource tracker, which unlinks them
when the process exits (CPython gh-82300), and it cannot open a memfd.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import secrets
import stat
import sys
import weakref
from typing import Any, Optional, Tuple

import numpy as np

from . import _format
from ._errors import (
    Closed,
    CorruptHeader,
    HandleGone,
    InvalidHandle,
    InvalidName,
    LayoutTooLong,
    NoSpace,
    NotARegularFile,
    NotFound,
    NotReady,
    NotSealed,
    NotShmsafe,
    OsError,
    PermissionDenied,
    SealRefused,
    StaleHandle,
    TooLarge,
    UnsupportedDtype,
    Untrusted,
    clean,
)
from ._layout import describe, segment_dtype

SHM_DIR = "/dev/shm"
PREFIX = "shmsafe_"
# Python's fcntl has these from 3.8 on; memfd's NOEXEC_SEAL (Linux 6.3) only from 3.12.
F_ADD_SEALS = getattr(fcntl, "F_ADD_SEALS", 1033)
F_GET_SEALS = getattr(fcntl, "F_GET_SEALS", 1034)
SEALS = {
    "F_SEAL_SEAL": getattr(fcntl, "F_SEAL_SEAL", 0x1),
    "F_SEAL_SHRINK": getattr(fcntl, "F_SEAL_SHRINK", 0x2),
    "F_SEAL_GROW": getattr(fcntl, "F_SEAL_GROW", 0x4),
    "F_SEAL_WRITE": getattr(fcntl, "F_SEAL_WRITE", 0x8),
}
ALL_SEALS = sum(SEALS.values())
MFD_NOEXEC_SEAL = getattr(os, "MFD_NOEXEC_SEAL", 0x8)
_FILE_TYPES = {
    stat.S_IFDIR: "a directory",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


# ---------------------------------------------------------------------------------------------
# Names and handles.


def validate_name(name: str) -> str:
    """The name without one leading ``/``, or :class:`InvalidName` (as Rust's check)."""
    if not isinstance(name, str):
        raise InvalidName(
            f"{name!r} is not a segment name: pass the name as a str", name=name, reason="type"
        )
    bare = name[1:] if name.startswith("/") else name
    reason = None
    if not bare:
        reason = "it is empty"
    elif "/" in bare:
        reason = "it contains `/` after the first character"
    elif "\0" in bare:
        reason = "it contains a NUL byte"
    elif len(bare.encode("utf-8", "surrogateescape")) > 250:
        reason = "it is longer than 250 bytes"
    elif bare in (".", ".."):
        reason = "it names a directory"
    if reason is not None:
        raise InvalidName(
            f"`{clean(name)}` is not a valid segment name: {reason}; pass the name that "
            "SharedArray::name (Rust) or Segment.name (Python) gave",
            name=name,
            reason=reason,
        )
    return bare


def is_handle(text: str) -> bool:
    """Whether ``text`` is meant as a sealed handle rather than a name."""
    return "#" in text or text.startswith("/proc/")


def parse_handle(handle: str) -> Tuple[str, int]:
    """The path and nonce of ``/proc/<pid>/fd/<n>#<16 hex digits>``, checked as Rust checks
    them, or :class:`InvalidHandle` saying what is wrong."""

    def invalid(reason: str) -> InvalidHandle:
        return InvalidHandle(
            f"`{clean(handle)}` is not a sealed array handle: {reason}; pass exactly the string "
            "that Segment.handle (Python) or SealedArray::handle (Rust) returned, such as "
            "/proc/1234/fd/5#0123456789abcdef",
            handle=handle,
            reason=reason,
        )

    if "#" not in handle:
        raise invalid("it has no `#` before the nonce")
    path, nonce = handle.split("#", 1)
    if len(nonce) != 16 or not all(c in "0123456789abcdefABCDEF" for c in nonce):
        raise invalid("its nonce is not 16 hexadecimal digits")
    if not path.startswith("/proc/"):
        raise invalid("it does not start with /proc/")
    rest = path[len("/proc/"):]
    if "/fd/" not in rest:
        raise invalid("it is not /proc/<pid>/fd/<n>")
    pid, fd = rest.split("/fd/", 1)

    def number(text: str) -> bool:
        return 0 < len(text) <= 10 and all(c in "0123456789" for c in text)

    if not number(pid) or not number(fd):
        raise invalid("its process id or descriptor is not a number")
    return path, int(nonce, 16)


def _file_type(mode: int) -> str:
    return _FILE_TYPES.get(stat.S_IFMT(mode), "a file of an unknown type")


def _os_error(operation: str, where: str, error: OSError) -> OsError:
    return OsError(
        f"{operation} segment `{where}` failed: {error.strerror or error}",
        operation=operation,
        name=where,
        errno=error.errno,
    )


def _open_error(where: str, error: OSError, sealed: bool) -> Exception:
    """The exception for a failed ``open`` of a name or handle path."""
    if error.errno == errno.ENOENT:
        if sealed:
            return HandleGone(
                f"no sealed array is behind `{where}`: the process that held it has exited or "
                "closed it (or never had that descriptor); ask the creator for a current "
                "handle, and keep the creator's segment open while others open it",
                handle=where,
            )
        return NotFound(
            f"no shared memory segment is named `{where}` (looked for {SHM_DIR}/{where}): check "
            "the name, and that its creator is still running, since the creator removes it "
            "when done",
            name=where,
        )
    if error.errno in (errno.EACCES, errno.EPERM):
        return PermissionDenied(
            f"permission denied for segment `{where}`: segments are created with mode 0600, so "
            "only the user that created it can open it; run the reader as that user",
            name=where,
        )
    if error.errno == errno.ELOOP and not sealed:
        return _not_a_regular_file(where, "a symbolic link")
    return _os_error("opening", where, error)


def _not_a_regular_file(where: str, file_type: str) -> NotARegularFile:
    return NotARegularFile(
        f"`{where}` is {file_type}, not a shared-memory segment: check the name (shmsafe "
        "segments are regular files named shmsafe_..., sealed ones memfds)",
        name=where,
        file_type=file_type,
    )


# ---------------------------------------------------------------------------------------------
# The segment object.


class _Resources:
    """What a segment holds, apart from the object, so that a finalizer can release it."""

    def __init__(self) -> None:
        self.fd = -1
        self.mm: Optional[mmap.mmap] = None
        self.unlink_name: Optional[str] = None
        self.creator_pid = os.getpid()

    def release(self) -> None:
        """Removes the name (creator only, and only in the process that created it) and closes
        the descriptor, which ends the creator's lock. The mapping is dropped, not closed: arrays
        still viewing it keep it alive until they go."""
        if self.unlink_name is not None and os.getpid() == self.creator_pid:
            try:
                os.unlink(os.path.join(SHM_DIR, self.unlink_name))
            except FileNotFoundError:
                pass
        self.unlink_name = None
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1
        self.mm = None


class Segment:
    """Records in a shared segment: made by :func:`create` or opened by :func:`open`.

    ``array`` is the records as a read-only numpy array over the segment's own pages (no copy).
    ``close()`` unmaps them; the creator's ``close()`` also removes a named segment (a sealed
    one is freed by the kernel when its last holder lets go). Use it as a context manager, or
    call ``close()``; a creator that forgets is cleaned up when the object is collected or at
    normal interpreter exit. Arrays taken from ``array`` stay valid after ``close()``: the pages
    they view stay mapped until the last of them is gone (numpy holds the mapping), so no array
    can point to unmapped memory.

    Attributes:

    - ``name``: a named segment's name, what Rust's ``SharedArray::<T>::open`` and
      :func:`open` take; ``None`` for a sealed one.
    - ``handle``: a sealed segment's handle, what Rust's ``SealedArray::<T>::open`` and
      :func:`open` take; ``None`` for a named one.
    - ``sealed``: whether it is a sealed memfd. ``creator``: whether this object made it.
    - ``dtype``, ``fingerprint``, ``layout`` (the layout text), ``creator_pid``, ``nonce``,
      ``data_offset`` and ``len(segment)``: what its header says.
    """

    name: Optional[str]
    handle: Optional[str]
    sealed: bool
    creator: bool
    dtype: np.dtype
    fingerprint: int
    layout: str
    creator_pid: int
    nonce: int
    data_offset: int

    def __init__(self) -> None:  # built by create() and open() only
        self._res = _Resources()
        self._finalizer = weakref.finalize(self, _Resources.release, self._res)
        self._array: Optional[np.ndarray] = None
        self._len = 0

    @property
    def array(self) -> np.ndarray:
        """The records: a read-only numpy array viewing the segment's pages."""
        if self._array is None:
            raise Closed(f"segment `{self._where}` is closed; open it again", name=self._where)
        return self._array

    @property
    def _where(self) -> str:
        return self.name if self.name is not None else str(self.handle)

    def __len__(self) -> int:
        return self._len

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._array is None

    def close(self) -> None:
        """Unmaps the records and, for the creator of a named segment, removes its name.

        ``array`` is unavailable afterwards. Arrays taken from it before keep working: their
        pages are unmapped when the last of them is gone, not under them. Closing twice does
        nothing.
        """
        if self._array is None:
            return
        self._array = None
        mm = self._res.mm
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass  # arrays still view the pages: the mapping goes with the last of them
        self._finalizer()

    def __enter__(self) -> "Segment":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        what = f"handle={self.handle!r}" if self.sealed else f"name={self.name!r}"
        role = "created" if self.creator else "opened"
        state = "closed" if self.closed else f"{self._len} records"
        return f"<shmsafe.Segment {what} {role}, {state}: {self.layout}>"


def _random_nonce() -> int:
    while True:
        nonce = secrets.randbits(64)
        if nonce:
            return nonce


def _map_records(seg: Segment, mm: mmap.mmap) -> None:
    # frombuffer holds an export of the mapping, so mm.close() cannot unmap under the array;
    # np.ndarray(buffer=mm) would not (numpy#23305).
    array = np.frombuffer(mm, dtype=seg.dtype, count=seg._len, offset=seg.data_offset)
    array.flags.writeable = False
    seg._res.mm = mm
    seg._array = array


# ---------------------------------------------------------------------------------------------
# Creating.


def create(records: Any, *, sealed: bool = False) -> Segment:
    """Copies ``records`` (a numpy array of records along its first axis, usually 1-D and
    structured; an array of shape ``(n, 3)`` is ``n`` records of ``[T; 3]``) into a new segment.

    The segment has the header, layout section and fingerprint a Rust creator writes for the
    ``#[repr(C)]`` struct with the same fields, so Rust opens it with
    ``SharedArray::<Row>::open(name)`` or ``SealedArray::<Row>::open(handle)``, and Python with
    :func:`open`. The dtype is checked first (:class:`~shmsafe.UnsupportedDtype` says what a
    Rust record cannot hold and what to use), so nothing is shared when it fails. Bytes after
    the last field up to the record's alignment become an explicit ``_pad`` field (a pandas
    record of ``<M8, <f8, S6`` is 22 bytes packed, 24 as a Rust struct with ``_pad: [u8; 2]``);
    ``datetime64``/``timedelta64`` fields are stored as ``i64`` counts of their unit.

    Named (the default): ``/dev/shm/shmsafe_<16 hex digits>``, created exclusively with mode
    0600, its whole size reserved with ``posix_fallocate`` (a full ``/dev/shm`` is
    :class:`~shmsafe.NoSpace`, never a crash), and an exclusive ``flock`` held while it is
    open, which tells readers whether its creator is alive. ``sealed=True``: a memfd sealed
    against every write, resize and further seal, opened by ``segment.handle``.
    """
    if hasattr(records, "to_records") and not isinstance(records, np.ndarray):
        raise UnsupportedDtype(
            f"records is a {type(records).__name__}, whose columns numpy sees as Python objects; "
            "pass df.to_records(index=False, column_dtypes={'text_column': 'S6'}) with a fixed "
            "width for every text column",
            field=None,
        )
    array = np.asarray(records)
    if array.ndim == 0:
        raise UnsupportedDtype(
            "records must be an array with one record per element along its first axis, not a "
            "single value: pass np.array([value]) for one record",
            field=None,
        )
    # An array of shape (n, 3) is n records of [T; 3].
    dtype = array.dtype if array.ndim == 1 else np.dtype((array.dtype, array.shape[1:]))
    desc = describe(dtype)
    section = _format.layout_section(desc.display, desc.dtype_text)
    if len(section) > _format.MAX_LAYOUT_LEN:
        raise LayoutTooLong(
            f"the record's layout description is {len(section)} bytes, more than the "
            f"{_format.MAX_LAYOUT_LEN} a segment holds; use fewer fields (group them into "
            "arrays)",
            bytes=len(section),
            max=_format.MAX_LAYOUT_LEN,
        )
    offset = _format.data_offset(len(section), desc.align)
    total = offset + len(array) * desc.size
    if total > (1 << 63) - 1:
        raise TooLarge(
            f"{len(array)} records of {desc.size} bytes do not fit in one segment on this "
            "machine; split the data into several arrays",
            len=len(array),
            record_size=desc.size,
        )
    nonce = _random_nonce()
    header = _format.Header(
        magic=_format.MAGIC,
        version=_format.VERSION,
        state=_format.READY if sealed else _format.WRITING,
        fingerprint=desc.fingerprint,
        len=len(array),
        data_offset=offset,
        nonce=nonce,
        record_size=desc.size,
        record_align=desc.align,
        creator_pid=os.getpid() & 0xFFFFFFFF,
        layout_len=len(section),
    )
    seg = Segment()
    seg.sealed = sealed
    seg.creator = True
    seg.dtype = desc.dtype
    seg.fingerprint = desc.fingerprint
    seg.layout = desc.display
    seg.creator_pid = os.getpid()
    seg.nonce = nonce
    seg.data_offset = offset
    seg._len = len(array)
    res = seg._res
    try:
        if sealed:
            _create_sealed(seg, res, total)
        else:
            _create_named(seg, res, total)
        where = seg._where
        writable = mmap.mmap(res.fd, total, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            writable[: _format.HEADER_SIZE] = header.pack()
            writable[_format.HEADER_SIZE : _format.HEADER_SIZE + len(section)] = section
            _fill(writable, array, desc, offset)
        finally:
            writable.close()
        if sealed:
            _seal(res.fd, where)
        else:
            # Publish: one pwrite of the state word once every record is in place. Python has
            # no release store, but the writable mapping is already unmapped, and the state is
            # written after that, by the kernel. On x86-64 stores are seen in program order
            # anyway; on arm64 munmap's TLB invalidation ends with a DSB, which completes this
            # CPU's earlier stores to those pages before anything that follows.
            # Readers load the state, then fence with Acquire, as for a Rust creator.
            os.pwrite(res.fd, _format.READY.to_bytes(4, sys.byteorder), _format.STATE_OFFSET)
        # The creator's view is populated, as a Rust creator's filled mapping is: its pages are
        # then mapped here as well as in every reader, which the readers' memory figures show as
        # shared (a page one process alone maps counts as its private memory).
        _map_records(seg, _map_read_only(res.fd, total, where, sealed, populate=True))
    except BaseException:
        seg._finalizer()
        raise
    return seg


def _fill(writable: mmap.mmap, array: np.ndarray, desc: Any, offset: int) -> None:
    """Copies the records into the segment: all bytes at once when the layouts are the same,
    else field by field, so that added padding stays zero."""
    if not len(array):
        return
    if not desc.padded:
        # Same layout, and every byte belongs to a field: copy all of them at once.
        source = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
        np.frombuffer(writable, dtype=np.uint8, count=source.size, offset=offset)[:] = source
        return
    target = np.frombuffer(writable, dtype=desc.dtype, count=len(array), offset=offset)
    try:
        for name in array.dtype.names or ():
            target[name] = array[name]
    finally:
        del target


def _create_named(seg: Segment, res: _Resources, total: int) -> None:
    seg.handle = None
    while True:
        name = PREFIX + secrets.token_hex(8)
        path = os.path.join(SHM_DIR, name)
        try:
            fd = os.open(
                path,
                os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
            )
        except FileExistsError:
            continue  # two random 64-bit names collided: try another
        except OSError as error:
            raise _os_error("creating", name, error) from None
        break
    seg.name = name
    res.fd = fd
    res.unlink_name = name
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, total)
    except OSError as error:
        raise _os_error("creating", name, error) from None
    _reserve(fd, total, name)


def _reserve(fd: int, total: int, where: str) -> None:
    # Pages of shared memory are allocated when first written, and a write that finds no
    # space kills the process with SIGBUS: reserve them all now, while failing is an error.
    try:
        os.posix_fallocate(fd, 0, total)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.ENOMEM):
            raise NoSpace(
                f"there is no room for segment `{where}` of {total} bytes ({error.strerror}); "
                f"free space in {SHM_DIR} or memory, or share fewer records; nothing was left "
                "behind",
                name=where,
                size=total,
            ) from None
        if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise _os_error("reserving space for", where, error) from None


def _create_sealed(seg: Segment, res: _Resources, total: int) -> None:
    seg.name = None
    flags = os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING
    try:
        try:
            fd = os.memfd_create("shmsafe", flags | MFD_NOEXEC_SEAL)
        except OSError as error:
            if error.errno != errno.EINVAL:  # kernels before 6.3 lack MFD_NOEXEC_SEAL
                raise
            fd = os.memfd_create("shmsafe", flags)
    except OSError as error:
        raise _os_error("creating", "memfd", error) from None
    res.fd = fd
    seg.handle = f"/proc/{os.getpid()}/fd/{fd}#{seg.nonce:016x}"
    try:
        os.ftruncate(fd, total)
    except OSError as error:
        raise _os_error("creating", seg.handle, error) from None
    _reserve(fd, total, seg.handle)


def _seal(fd: int, where: str) -> None:
    try:
        fcntl.fcntl(fd, F_ADD_SEALS, ALL_SEALS)
    except OSError as error:
        if error.errno == errno.EBUSY:
            raise SealRefused(
                f"sealing `{where}` was refused (EBUSY): a process holds a writable mapping of "
                "it; nothing was shared, create the array again",
                name=where,
            ) from None
        raise _os_error("sealing", where, error) from None


def _map_read_only(
    fd: int, size: int, where: str, sealed: bool, populate: bool = False
) -> mmap.mmap:
    extra = getattr(mmap, "MAP_POPULATE", 0x8000) if populate else 0
    try:
        return mmap.mmap(fd, size, mmap.MAP_SHARED | extra, mmap.PROT_READ)
    except OSError as error:
        # Some kernels refuse a shared mapping of a write-sealed memfd even read-only; a private
        # read-only mapping shares the same pages.
        if sealed and error.errno == errno.EPERM:
            try:
                return mmap.mmap(fd, size, mmap.MAP_PRIVATE | extra, mmap.PROT_READ)
            except OSError as again:
                error = again
        raise _os_error("mapping", where, error) from None


# ---------------------------------------------------------------------------------------------
# Opening.


def open(name_or_handle: str, *, dtype: Any = None) -> Segment:  # noqa: A001
    """Opens a segment by name (``shmsafe_...``) or sealed handle (``/proc/<pid>/fd/<n>#<nonce>``).

    The segment describes its own records, so the name or handle is all that is needed:
    ``segment.array`` is a read-only numpy view of them (no copy), with the dtype the creator
    wrote (a Rust ``FixedStr<6>`` is ``'S6'``, an ``i64`` ``'<i8'``). With ``dtype=``, the
    segment must hold exactly that layout, checked by fingerprint as Rust's ``open`` checks its
    type (:class:`~shmsafe.LayoutMismatch` otherwise), and the array has that dtype (a
    ``datetime64`` field reads as one).

    Every check of the Rust reader is made, each failure its own exception class under
    :class:`~shmsafe.Error`: the name or handle, the file's type, owner and mode (named) or
    seals (sealed), the header, the layout section, the handle's nonce, and the state.

    What the checks cannot prove, as Rust's ``unsafe`` ``SharedArray::open`` says: after a
    named segment is checked, another process of the same user could still write it, or
    shrink it, and reading a page past its new end kills the reader with ``SIGBUS``. Segments
    made by ``shmsafe`` (Rust or Python) are never written or resized after they are published.
    A sealed segment cannot be changed by anyone: prefer it when that matters.
    """
    if not isinstance(name_or_handle, str):
        raise InvalidName(
            f"{name_or_handle!r} is not a segment name or handle: pass the str that "
            "Segment.name or Segment.handle gave",
            name=name_or_handle,
            reason="type",
        )
    expected = describe(dtype) if dtype is not None else None
    if is_handle(name_or_handle):
        return _open_sealed(name_or_handle, expected)
    return _open_named(validate_name(name_or_handle), expected)


def _open_trusted(name: str) -> Tuple[int, os.stat_result]:
    """Opens ``/dev/shm/<name>`` read-only and checks, as Rust does, that it is a regular file
    of this user that no one else can write; returns the descriptor and its ``fstat``."""
    path = os.path.join(SHM_DIR, name)
    try:
        fd = os.open(
            path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        )
    except OSError as error:
        raise _open_error(name, error, sealed=False) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_a_regular_file(name, _file_type(st.st_mode))
        uid, mode = os.geteuid(), stat.S_IMODE(st.st_mode)
        if st.st_uid != uid:
            raise Untrusted(
                f"segment `{name}` belongs to user id {st.st_uid} (mode {mode:04o}), not to this "
                f"process's user (id {uid}): another user could change or shrink it while it is "
                "read, so it is not opened; open segments created by your own user, and check "
                "that the name is the one your creator printed",
                name=name,
                owner=st.st_uid,
                mode=mode,
                uid=uid,
            )
        if mode & 0o022:
            raise Untrusted(
                f"segment `{name}` can be written by users other than its owner (mode "
                f"{mode:04o}): one of them could change or shrink it while it is read, so it is "
                "not opened; shmsafe creates segments with mode 0600, so this one was created "
                "or changed by another program",
                name=name,
                owner=st.st_uid,
                mode=mode,
                uid=uid,
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _open_named(name: str, expected: Any) -> Segment:
    fd, st = _open_trusted(name)
    try:
        header, display, dt = _read_checked(fd, st.st_size, name, expected)
        if header.state != _format.READY:
            raise _not_ready(fd, name, header.creator_pid)
        mm = _map_read_only(fd, st.st_size, name, sealed=False)
    finally:
        os.close(fd)
    return _opened(mm, header, display, dt, name=name, handle=None)


def _not_ready(fd: int, name: str, pid: int) -> NotReady:
    # The creator holds an exclusive flock for as long as it holds the segment: a shared lock
    # that cannot be taken means it is alive. The kernel drops the lock with the process, so
    # this cannot be fooled by a reused pid.
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        alive = True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        alive = False
    if alive:
        message = (
            f"segment `{name}` is still being written by its creator (pid {pid}): open it "
            "after the creator publishes it"
        )
    else:
        message = (
            f"segment `{name}` was never published: its creator (pid {pid}) is gone, so it "
            f"died while writing; remove the segment with shmsafe.remove({name!r}) (Rust: "
            "shmsafe::remove) and create it again"
        )
    return NotReady(
        message, name=name, creator_pid=pid, creator_alive=alive, creator_running=alive
    )


def _open_sealed(handle: str, expected: Any) -> Segment:
    path, nonce = parse_handle(handle)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise _open_error(handle, error, sealed=True) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_a_regular_file(clean(handle), _file_type(st.st_mode))
        try:
            seals = fcntl.fcntl(fd, F_GET_SEALS)
        except OSError as error:
            if error.errno != errno.EINVAL:
                raise _os_error("checking the seals of", handle, error) from None
            seals = 0  # not a memfd: no seals at all
        missing = [name for name, bit in SEALS.items() if not seals & bit]
        if missing:
            raise NotSealed(
                f"`{handle}` is not a sealed array: it lacks {', '.join(missing)}, so another "
                "process could change the records while they are read; only a memfd sealed by "
                "shmsafe.create(..., sealed=True) or Rust's SealedArray can be opened this way",
                name=handle,
                missing=missing,
            )
        header, display, dt = _read_checked(fd, st.st_size, handle, expected)
        if header.state != _format.READY:
            problem = "it was sealed before it was marked ready, which no writer does"
            raise CorruptHeader(
                f"segment `{handle}` has a damaged header: {problem}; recreate the segment",
                name=handle,
                problem=problem,
            )
        if header.nonce != nonce:
            raise StaleHandle(
                f"`{handle}` no longer names the sealed array it was given for: its nonce is "
                f"{nonce:016x} but the file there now carries {header.nonce:016x} (the creator "
                "closed that array and the descriptor number was reused); ask the creator for "
                "a current handle",
                name=handle,
                expected=nonce,
                found=header.nonce,
            )
        mm = _map_read_only(fd, st.st_size, handle, sealed=True)
    finally:
        os.close(fd)
    return _opened(mm, header, display, dt, name=None, handle=handle)


def _read_checked(
    fd: int, size: int, where: str, expected: Any
) -> Tuple[_format.Header, str, np.dtype]:
    """Reads a private copy of the header and layout section and checks them: the header, its
    display line and the records' dtype (``expected.dtype`` when one was asked for)."""
    header, display, dtype_text = _format.validate(
        lambda length, offset: os.pread(fd, length, offset), size, where, expected
    )
    dt = segment_dtype(dtype_text, header.record_size, where)
    if expected is not None:
        dt = expected.dtype
    return header, display, dt


def _opened(
    mm: mmap.mmap,
    header: _format.Header,
    display: str,
    dt: np.dtype,
    name: Optional[str],
    handle: Optional[str],
) -> Segment:
    seg = Segment()
    seg.name = name
    seg.handle = handle
    seg.sealed = handle is not None
    seg.creator = False
    seg.dtype = dt
    seg.fingerprint = header.fingerprint
    seg.creator_pid = header.creator_pid
    seg.nonce = header.nonce
    seg.data_offset = header.data_offset
    seg._len = header.len
    seg.layout = clean(display, limit=10_000)
    _map_records(seg, mm)
    return seg


def remove(name: str) -> None:
    """Removes the named segment ``name`` if it is a ``shmsafe`` segment: the way to clean up
    after a creator that was killed before it could (Rust: ``shmsafe::remove``). Processes that
    have it open keep their view; the memory is freed when the last one lets go.

    Raises :class:`~shmsafe.InvalidName`, :class:`~shmsafe.NotFound`,
    :class:`~shmsafe.PermissionDenied` or :class:`~shmsafe.Untrusted` (another user's), and
    :class:`~shmsafe.NotARegularFile`, :class:`~shmsafe.TooSmall` or
    :class:`~shmsafe.NotShmsafe` for a file that is not a ``shmsafe`` segment (a
    ``multiprocessing`` segment, a semaphore), which it leaves alone.
    """
    bare = validate_name(name)
    fd, st = _open_trusted(bare)
    try:
        head = os.pread(fd, _format.HEADER_SIZE, 0)
    except OSError as error:
        raise _os_error("reading", bare, error) from None
    finally:
        os.close(fd)
    if st.st_size < _format.HEADER_SIZE or len(head) < _format.HEADER_SIZE:
        _format.validate(lambda length, offset: b"", st.st_size, bare)  # raises TooSmall
    if head[:8] != _format.MAGIC:
        raise NotShmsafe(
            f"segment `{bare}` is not a shmsafe array (it starts with {head[:8].hex(' ')} "
            'instead of "SHMSAFE\\0"), so it is left alone: it was created by another program; '
            "check the name",
            name=bare,
            found=head[:8],
        )
    try:
        os.unlink(os.path.join(SHM_DIR, bare))
    except OSError as error:
        raise _open_error(bare, error, sealed=False) from None
