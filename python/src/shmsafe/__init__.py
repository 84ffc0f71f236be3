"""Share numpy record arrays with Rust and Python processes through checked shared memory.

The Python side of the Rust crate ``shmsafe``: the same segment format, both ways::

    import numpy as np
    import shmsafe

    records = np.zeros(1000, dtype=[("date", "<i8"), ("val", "<f8"), ("name", "S6")])
    with shmsafe.create(records) as seg:     # a named segment in /dev/shm
        print(seg.name)                      # Rust: SharedArray::<Row>::open(name)
        ...                                  # the segment lives until close()

    with shmsafe.create(records, sealed=True) as seg:
        print(seg.handle)                    # Rust: SealedArray::<Row>::open(handle)

    with shmsafe.open(name_or_handle) as view:   # what Rust or Python created
        total = np.nansum(view.array["val"])     # read-only, zero-copy

- :func:`create` checks the dtype (a ``#[repr(C)]`` record must be able to hold it), writes
  the header, layout section and fingerprint a Rust creator writes, and copies the records in.
- :func:`open` takes a name or a sealed handle alone: segments describe their own records.
- Every refusal is a subclass of :class:`Error` whose message names the segment, the values
  and what to do.
- :func:`describe` shows what a dtype is to Rust: its fingerprint and layout text.

No resource tracker is involved: segments are created and opened with ``os`` and ``mmap``, and a
named segment is removed by its creator's :meth:`Segment.close`, when the creator's
``Segment`` is collected, or at normal interpreter exit, and by nothing else.
"""

from __future__ import annotations

from ._errors import (
    Closed,
    CorruptHeader,
    Error,
    HandleGone,
    InvalidHandle,
    InvalidName,
    LayoutMismatch,
    LayoutTooLong,
    NoSpace,
    NotFound,
    NotReady,
    NotARegularFile,
    NotSealed,
    NotShmsafe,
    OsError,
    PermissionDenied,
    SealRefused,
    StaleHandle,
    TooLarge,
    TooSmall,
    Truncated,
    UnsupportedDtype,
    UnsupportedVersion,
    Untrusted,
)
from ._format import VERSION as FORMAT_VERSION
from ._layout import Description, describe, fingerprint
from ._segment import Segment, create, open, remove

__version__ = "0.1.0"

__all__ = [
    "FORMAT_VERSION",
    "Closed",
    "CorruptHeader",
    "Description",
    "Error",
    "HandleGone",
    "InvalidHandle",
    "InvalidName",
    "LayoutMismatch",
    "LayoutTooLong",
    "NoSpace",
    "NotFound",
    "NotReady",
    "NotARegularFile",
    "NotSealed",
    "NotShmsafe",
    "OsError",
    "PermissionDenied",
    "SealRefused",
    "Segment",
    "StaleHandle",
    "TooLarge",
    "TooSmall",
    "Truncated",
    "UnsupportedDtype",
    "UnsupportedVersion",
    "Untrusted",
    "create",
    "describe",
    "fingerprint",
    "open",
    "remove",
]
