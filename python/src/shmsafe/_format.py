"""The segment format, version 2: the header, the layout section, and their validation.

Every segment, named or sealed, from Rust or from Python, is the same bytes::

    0   header, 64 bytes, native byte order:
        magic b"SHMSAFE\\0" | version u32 = 2 | state u32 (0 WRITING, 1 READY) | fingerprint u64
        | len u64 | data_offset u64 | nonce u64 | record_size u32 | record_align u32
        | creator_pid u32 | layout_len u32
    64  layout section, layout_len bytes of UTF-8: "<display>\\n<dtype>"
    ..  zero bytes up to data_offset = round_up(64 + layout_len, max(64, record_align))
    data_offset  len records of record_size bytes; the file ends right after them

A reader validates a private copy of the header (read with ``pread``), never the shared bytes
twice, and accepts only what a writer produces; each failure is its own exception class, in the
order the Rust reader checks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable, NoReturn, Tuple

from ._errors import (
    CorruptHeader,
    LayoutMismatch,
    NotShmsafe,
    OsError,
    TooSmall,
    Truncated,
    UnsupportedVersion,
    clean,
)

MAGIC = b"SHMSAFE\0"
VERSION = 2
WRITING = 0
READY = 1
HEADER = struct.Struct("=8sIIQQQQIIII")
HEADER_SIZE = HEADER.size
#: Offset of the state word in the header.
STATE_OFFSET = 12
#: Offset of the nonce in the header.
NONCE_OFFSET = 40
MAX_LAYOUT_LEN = 65536
DATA_ALIGN = 64

assert HEADER_SIZE == 64


@dataclass(frozen=True)
class Header:
    """A private copy of a segment's header."""

    magic: bytes
    version: int
    state: int
    fingerprint: int
    len: int
    data_offset: int
    nonce: int
    record_size: int
    record_align: int
    creator_pid: int
    layout_len: int

    def pack(self) -> bytes:
        """The 64 bytes of this header."""
        return HEADER.pack(
            self.magic,
            self.version,
            self.state,
            self.fingerprint,
            self.len,
            self.data_offset,
            self.nonce,
            self.record_size,
            self.record_align,
            self.creator_pid,
            self.layout_len,
        )


def data_offset(layout_len: int, record_align: int) -> int:
    """Where the records start: after the header and layout section, aligned to at least 64."""
    align = max(DATA_ALIGN, record_align)
    return -(-(HEADER_SIZE + layout_len) // align) * align


def layout_section(display: str, dtype_text: str) -> bytes:
    """The layout section's bytes: the display line, a newline, the dtype description."""
    return f"{display}\n{dtype_text}".encode("utf-8")


def validate(
    read_at: Callable[[int, int], bytes], size: int, where: str, expected: Any = None
) -> Tuple[Header, str, str]:
    """Reads private copies of the header and layout section of a segment of ``size`` bytes
    through ``read_at(length, offset)`` (``os.pread``) and checks them in the order Rust's
    ``format::validate`` does; returns the header and the layout section's two lines.

    ``where`` names the segment in messages; ``expected`` is a :class:`~shmsafe.Description`
    the records must match, or ``None`` to take them as the segment describes them. Raises
    :class:`TooSmall`, :class:`NotShmsafe`, :class:`UnsupportedVersion`,
    :class:`LayoutMismatch`, :class:`CorruptHeader` or :class:`Truncated`. The state is checked
    for being WRITING or READY; whether the records may be read is the caller's decision.
    """
    if size < HEADER_SIZE:
        raise TooSmall(
            f"segment `{where}` is {size} bytes, smaller than the {HEADER_SIZE}-byte shmsafe "
            "header: it was not created by shmsafe, or its creator died while creating it",
            name=where,
            size=size,
            header=HEADER_SIZE,
        )
    header = Header(*HEADER.unpack(_read_exact(read_at, HEADER_SIZE, 0, where)))
    if header.magic != MAGIC:
        raise NotShmsafe(
            f"segment `{where}` is not a shmsafe array (it starts with {header.magic.hex(' ')} "
            'instead of "SHMSAFE\\0"): it was created by another program; check the name',
            name=where,
            found=header.magic,
        )
    if header.version != VERSION:
        raise UnsupportedVersion(
            f"segment `{where}` has shmsafe format version {header.version}, this package "
            f"reads version {VERSION}: use a reader and a writer of the same shmsafe version",
            name=where,
            found=header.version,
            supported=VERSION,
        )
    layout_len = header.layout_len
    layout_fits = 1 <= layout_len <= MAX_LAYOUT_LEN and HEADER_SIZE + layout_len <= size
    section = _read_exact(read_at, layout_len, HEADER_SIZE, where) if layout_fits else b""
    if expected is not None and (
        header.fingerprint != expected.fingerprint
        or header.record_size != expected.size
        or header.record_align != expected.align
    ):
        found = clean(section.decode("utf-8", "replace").split("\n", 1)[0])
        raise LayoutMismatch(
            f"segment `{where}` holds records of another layout: opened as {expected.display} "
            f"(fingerprint {expected.fingerprint:016x}), but it holds {found} (fingerprint "
            f"{header.fingerprint:016x}); open it with the dtype its creator used, or with "
            "none to read the records as the segment describes them",
            name=where,
            expected=expected.display,
            expected_size=expected.size,
            expected_fingerprint=expected.fingerprint,
            found=found,
            found_size=header.record_size,
            found_fingerprint=header.fingerprint,
        )
    if not layout_fits:
        _corrupt(
            where,
            f"its layout section is {layout_len} bytes, which is not between 1 and "
            f"{MAX_LAYOUT_LEN} or does not fit in the segment's {size} bytes",
        )
    align = header.record_align
    if align == 0 or align & (align - 1) or header.record_size % align:
        _corrupt(
            where,
            f"its records are {header.record_size} bytes aligned to {align}, which no record "
            "type is (the alignment is a power of two dividing the size)",
        )
    planned = data_offset(layout_len, align)
    if header.data_offset != planned:
        _corrupt(
            where,
            f"the records start at offset {header.data_offset}, where a writer puts them at "
            f"offset {planned}",
        )
    needed = header.data_offset + header.len * header.record_size
    if needed > size:
        raise Truncated(
            f"segment `{where}` is {size} bytes but its header announces {header.len} records "
            f"of {header.record_size} bytes from offset {header.data_offset}, which needs "
            f"{needed} bytes: the segment was truncated or its header is damaged",
            name=where,
            size=size,
            len=header.len,
            record_size=header.record_size,
            data_offset=header.data_offset,
            needed=needed if needed < 1 << 64 else (1 << 64) - 1,
        )
    if needed < size:
        _corrupt(
            where,
            f"the segment is {size} bytes but its {header.len} records end at byte {needed}; "
            "a writer makes it exactly that size",
        )
    if header.state not in (WRITING, READY):
        _corrupt(
            where,
            f"its state word is {header.state}, neither {WRITING} (being written) nor {READY} "
            "(ready)",
        )
    if header.nonce == 0:
        _corrupt(where, "its nonce is 0, which no writer chooses")
    # Beyond Rust's checks: Python has no type of its own, so it reads the layout section.
    if any(_read_exact(read_at, planned - HEADER_SIZE - layout_len, HEADER_SIZE + layout_len,
                       where)):
        _corrupt(where, "the bytes between its layout section and its records are not zero")
    try:
        text = section.decode("utf-8")
    except UnicodeDecodeError:
        _corrupt(where, "its layout section is not UTF-8")
    if "\n" not in text:
        _corrupt(
            where,
            f"its layout section {clean(text)!r} has no newline between the layout and the dtype",
        )
    display, dtype_text = text.split("\n", 1)
    return header, display, dtype_text


def _corrupt(where: str, problem: str) -> NoReturn:
    raise CorruptHeader(
        f"segment `{where}` has a damaged header: {problem}; recreate the segment",
        name=where,
        problem=problem,
    )


def _read_exact(read_at: Callable[[int, int], bytes], length: int, offset: int, where: str) -> bytes:
    out = b""
    while len(out) < length:
        try:
            chunk = read_at(length - len(out), offset + len(out))
        except InterruptedError:
            continue
        except OSError as error:
            raise OsError(
                f"reading the header of segment `{where}` failed: {error.strerror or error}",
                operation="reading the header of",
                name=where,
                errno=error.errno,
            ) from None
        if not chunk:
            raise OsError(
                f"reading the header of segment `{where}` failed: it ended early",
                operation="reading the header of",
                name=where,
                errno=None,
            )
        out += chunk
    return out
