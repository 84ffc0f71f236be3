"""The exceptions: one class per thing that can go wrong, all under :class:`Error`.

They mirror the variants of the Rust crate's ``shmsafe::Error`` that concern segments, so a
Python reader and a Rust reader refuse the same segment for the same reason. Each carries the
values its message names as attributes (``name``, ``size``, ...), and each message says what
happened and what to do.

Some also derive from the built-in exception a Python program would catch for the same
condition: :class:`NotFound` is a :class:`FileNotFoundError`, :class:`PermissionDenied` a
:class:`PermissionError`, :class:`UnsupportedDtype` a :class:`TypeError`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = [
    "Closed",
    "CorruptHeader",
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
    "StaleHandle",
    "TooLarge",
    "TooSmall",
    "Truncated",
    "UnsupportedDtype",
    "UnsupportedVersion",
    "Untrusted",
]


class Error(Exception):
    """The base of every exception ``shmsafe`` raises about a segment or a dtype.

    ``str(error)`` is the message for a person; the values it names are attributes.
    """

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        for key, value in values.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message


class InvalidName(Error, ValueError):
    """A segment name the OS or ``shmsafe`` cannot use (empty, with ``/`` or NUL, too long)."""


class InvalidHandle(Error, ValueError):
    """Text that is not a sealed handle ``/proc/<pid>/fd/<n>#<16 hex digits>``."""


class NotFound(Error, FileNotFoundError):
    """No segment has this name, or no open file is behind this handle any more."""


class PermissionDenied(Error, PermissionError):
    """The OS refused to open the segment (it belongs to another user)."""


class Untrusted(Error, PermissionError):
    """The segment is owned by another user, or others than its owner may write it."""


class NotARegularFile(Error):
    """The name or handle leads to something that is not a regular file (``file_type`` says
    what: a symbolic link, a FIFO, a directory, ...)."""


class HandleGone(Error, FileNotFoundError):
    """Nothing is behind a sealed handle any more: its holder exited or closed it."""


class LayoutTooLong(Error):
    """The record's layout description is longer than a segment's layout section may be."""


class SealRefused(Error):
    """The kernel refused to seal the memfd: another process mapped it writable meanwhile."""


class TooSmall(Error):
    """The segment is smaller than a ``shmsafe`` header."""


class NotShmsafe(Error):
    """The segment does not start with the magic bytes ``SHMSAFE\\0``."""


class UnsupportedVersion(Error):
    """The segment was written in another version of the segment format."""


class LayoutMismatch(Error):
    """The segment holds records of another layout than the dtype it was opened with."""


class CorruptHeader(Error):
    """The header or layout section is inconsistent in a way no ``shmsafe`` writer produces."""


class Truncated(Error):
    """The segment is shorter than its header says."""


class NotReady(Error):
    """The creator has not published the records (``creator_alive`` says whether it still may)."""


class NotSealed(Error):
    """A sealed handle leads to a file that lacks some of the four seals (``missing`` names them)."""


class StaleHandle(Error):
    """The file behind a sealed handle is another segment: its creator closed the original."""


class UnsupportedDtype(Error, TypeError):
    """A numpy dtype that no ``#[repr(C)]`` Rust record could have; nothing was shared."""


class NoSpace(Error):
    """There was no room to reserve the segment's memory; nothing was left behind."""


class TooLarge(Error):
    """The records would not fit in one segment on this machine."""


class OsError(Error):
    """Any other error from the operating system; the :class:`OSError` is ``__cause__``."""


class Closed(Error, ValueError):
    """The segment was used after ``close()``."""


_MAX_SHOWN = 1000


def clean(text: str, limit: int = _MAX_SHOWN) -> str:
    """Segment-provided text made safe to print, as Rust's ``format::printable`` does: control
    and format characters (terminal escapes, line breaks, bidi overrides) become ``\\u{..}``
    escapes, and text longer than ``limit`` characters is cut with ``…``."""
    out = []
    for i, c in enumerate(text):
        if i == limit:
            out.append("…")
            break
        out.append(f"\\u{{{ord(c):x}}}" if unicodedata.category(c) in ("Cc", "Cf") else c)
    return "".join(out)
