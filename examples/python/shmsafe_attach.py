"""Attach to a shmsafe ``SharedArray`` from Python: zero-copy, read-only, never unlinked by Python.

The Rust process that owns the segment hands over one JSON object,
``SharedArray::numpy_handoff()``::

    {"name": "shmsafe_...", "dtype": <numpy dtype description>,
     "offset": 128, "count": 10000000, "itemsize": 24}

and ``attach`` gives back the records as a read-only numpy structured array over the
segment's own pages: no copy, and no byte of it written by Python::

    with attach(handoff) as segment:
        total = np.nansum(segment.records["val"])

Python never removes the segment: the Rust creator owns it and removes it when it drops the
``SharedArray``. That takes care, because ``multiprocessing.shared_memory`` otherwise asks its
resource tracker to unlink every segment a process merely attached to (see ``open_untracked``).
"""

import json
import struct
import sys
import threading
from multiprocessing import resource_tracker, shared_memory

try:
    import numpy as np
except ImportError as error:
    raise ImportError(
        f"shmsafe_attach needs numpy, which {sys.executable} cannot import ({error}); "
        f"install it: `{sys.executable} -m pip install numpy`"
    ) from error

__all__ = ["Attached", "HandoffError", "attach", "numpy_dtype", "open_untracked"]


class HandoffError(ValueError):
    """The handoff, or the segment it names, is not what a shmsafe ``SharedArray`` hands over."""


# ANCHOR: open_untracked
#: ``SharedMemory(name, track=False)`` exists from Python 3.13 on.
HAS_TRACK_FLAG = sys.version_info >= (3, 13)

_patch_lock = threading.Lock()


def open_untracked(name):
    """Opens the existing segment ``name`` without registering it with the resource tracker.

    On Python 3.8 to 3.12, ``SharedMemory(name)`` registers every segment it opens, attach
    included, and the tracker unlinks what is still registered when the process exits: a
    Python reader would delete the Rust creator's segment (CPython gh-82300). Python 3.13 has
    ``track=False``. Before it, the registration is suppressed while ``SharedMemory`` opens
    the segment, rather than undone afterwards with ``resource_tracker.unregister``: in a
    child of Python's own ``multiprocessing`` the tracker is the parent's, and unregistering
    there would remove the parent's entry too. Suppressing also starts no tracker process.
    """
    if HAS_TRACK_FLAG:
        return shared_memory.SharedMemory(name=name, track=False)
    with _patch_lock:
        register = resource_tracker.register

        def register_all_but_this(rname, rtype):
            # Only this one attach is skipped; anything another thread registers meanwhile
            # (a semaphore, a segment it creates) is registered as usual.
            if rtype == "shared_memory" and rname.lstrip("/") == name.lstrip("/"):
                return
            register(rname, rtype)

        resource_tracker.register = register_all_but_this
        try:
            return shared_memory.SharedMemory(name=name)
        finally:
            resource_tracker.register = register


# ANCHOR_END: open_untracked


# ANCHOR: numpy_dtype
def numpy_dtype(description):
    """The numpy dtype of a description from ``Kind::numpy_dtype()`` (already parsed JSON).

    A format string (``"<f8"``, ``"S6"``, ``"(2,)u1"``) and a record
    (``{"names", "formats", "offsets", "itemsize"}``) go to numpy as they are; JSON has no
    tuples, so an array of records arrives as ``[description, [shape]]`` and becomes the tuple
    ``(description, (shape))`` numpy expects.
    """
    return np.dtype(_with_tuples(description))


def _with_tuples(description):
    if isinstance(description, str):
        return description
    if isinstance(description, dict):
        return {**description, "formats": [_with_tuples(f) for f in description["formats"]]}
    if isinstance(description, list) and len(description) == 2:
        element, shape = description
        return (_with_tuples(element), tuple(shape))
    raise HandoffError(
        f"{description!r} is not a dtype description from Kind::numpy_dtype(): expected a "
        "format string, a record object or [description, [shape]]"
    )


# ANCHOR_END: numpy_dtype

# The first 64 bytes of a segment, as `shmsafe::format::Header` lays them out (format version 2):
# magic, version, state, fingerprint, len, data offset, nonce, record size, record alignment,
# creator pid, length of the layout section; native byte order, like the Rust side.
_HEADER = struct.Struct("=8sIIQQQQIIII")
_MAGIC = b"SHMSAFE\0"
_VERSION = 2
_READY = 1


def _check_header(shm, handoff):
    """Refuses a segment that is not a published shmsafe array matching the handoff."""
    name = handoff["name"]
    if shm.size < _HEADER.size:
        raise HandoffError(
            f"segment {name} is {shm.size} bytes, smaller than a shmsafe header "
            f"({_HEADER.size} bytes): it was not made by shmsafe"
        )
    (magic, version, state, _fp, length, data_offset, _nonce, record_size, _align, pid, _text) = (
        _HEADER.unpack_from(shm.buf, 0)
    )
    if magic != _MAGIC:
        raise HandoffError(f"segment {name} starts with {magic!r}, not {_MAGIC!r}: not a shmsafe array")
    if version != _VERSION:
        raise HandoffError(
            f"segment {name} has shmsafe format version {version}; this script reads version "
            f"{_VERSION}: use the shmsafe_attach.py of the crate version that wrote it"
        )
    if state != _READY:
        raise HandoffError(
            f"segment {name} is still being written by its creator (pid {pid}): "
            "hand it over after SharedArray is published"
        )
    for key, found in (("itemsize", record_size), ("count", length), ("offset", data_offset)):
        if handoff[key] != found:
            raise HandoffError(
                f"the handoff says {key} = {handoff[key]} but segment {name} holds {found}: "
                "the handoff is stale or was edited; take a fresh SharedArray::numpy_handoff()"
            )


def _parse_handoff(handoff):
    if isinstance(handoff, (str, bytes)):
        try:
            handoff = json.loads(handoff)
        except json.JSONDecodeError as error:
            raise HandoffError(
                f"the handoff is not JSON ({error}); pass the text of "
                "SharedArray::numpy_handoff() as it is"
            ) from None
    missing = [k for k in ("name", "dtype", "offset", "count", "itemsize") if k not in handoff]
    if missing:
        raise HandoffError(
            f"the handoff lacks {', '.join(missing)}; pass the text of "
            "SharedArray::numpy_handoff() as it is"
        )
    return handoff


class Attached:
    """A segment attached read-only: ``records`` is the numpy view, ``close()`` unmaps it.

    Use it as a context manager, or call ``close()``. Closing never unlinks the segment.
    """

    def __init__(self, shm, records, handoff):
        self.shm = shm
        self.records = records
        self.handoff = handoff

    @property
    def name(self):
        """The segment's name, as ``SharedArray::name()`` gives it."""
        return self.handoff["name"]

    # ANCHOR: close
    def close(self):
        """Unmaps the segment. Drop every array taken from ``records`` first.

        numpy's view holds an export of the mapping's buffer, so while one lives ``close()``
        raises ``BufferError`` instead of unmapping pages that an array still points to.
        """
        self.records = None
        try:
            self.shm.close()
        except BufferError:
            raise BufferError(
                f"arrays viewing segment {self.name} are still alive; delete them "
                "(del arr) before close(), or they would point to unmapped memory"
            ) from None

    # ANCHOR_END: close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ANCHOR: attach
def attach(handoff):
    """Attaches to the records a ``SharedArray::numpy_handoff()`` describes.

    ``handoff`` is its JSON text or the parsed dict. The result's ``records`` is a read-only
    numpy structured array over the segment's pages: no copy is made.

    Raises ``HandoffError`` when the handoff or the segment is not what it should be, and
    ``FileNotFoundError`` when no segment has that name (its creator may have exited).
    """
    handoff = _parse_handoff(handoff)
    dtype = numpy_dtype(handoff["dtype"])
    if dtype.itemsize != handoff["itemsize"]:
        raise HandoffError(
            f"the dtype description makes records of {dtype.itemsize} bytes but the handoff "
            f"says {handoff['itemsize']}: pass SharedArray::numpy_handoff() as it is"
        )
    try:
        shm = open_untracked(handoff["name"])
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no shared-memory segment named {handoff['name']} in /dev/shm: the Rust process "
            "that created it removes it when it drops the SharedArray; keep it alive while "
            "Python reads"
        ) from None
    try:
        _check_header(shm, handoff)
        # frombuffer keeps an export of shm.buf, so shm.close() cannot unmap under the view;
        # np.ndarray(buffer=shm.buf) would not (numpy#23305).
        records = np.frombuffer(
            shm.buf, dtype=dtype, count=handoff["count"], offset=handoff["offset"]
        )
        records.flags.writeable = False
    except BaseException:
        shm.close()
        raise
    return Attached(shm, records, handoff)


# ANCHOR_END: attach
