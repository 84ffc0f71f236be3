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
from typing import Optional

from ._errors import CorruptHeader, NotShmsafe, TooSmall, Truncated, UnsupportedVersion

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


def parse_header(raw: bytes, size: int, where: str) -> Header:
    """Parses and validates the first 64 bytes of a segment of ``size`` bytes.

    ``where`` names the segment in messages (a name or a handle). Checks, in order: the size
    (:class:`TooSmall`), the magic (:class:`NotShmsafe`), the version
    (:class:`UnsupportedVersion`), every field's consistency (:class:`CorruptHeader`), and
    that the file is exactly as long as the header says (:class:`Truncated` if shorter).
    """
    if size < HEADER_SIZE or len(raw) < HEADER_SIZE:
        raise TooSmall(
            f"segment `{where}` is {size} bytes, smaller than the {HEADER_SIZE}-byte shmsafe "
            "header: it was not created by shmsafe, or its creator died while creating it",
            name=where,
            size=size,
            header=HEADER_SIZE,
        )
    header = Header(*HEADER.unpack_from(raw, 0))
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
            f"reads version {VERSION}: use the reader and the writer of the same shmsafe "
            "version",
            name=where,
            found=header.version,
            supported=VERSION,
        )
    problem = _problem(header)
    if problem is not None:
        raise CorruptHeader(
            f"segment `{where}` has a damaged header: {problem}; recreate the segment",
            name=where,
            problem=problem,
        )
    needed = header.data_offset + header.len * header.record_size
    if size < needed:
        raise Truncated(
            f"segment `{where}` is {size} bytes but its header announces {header.len} records "
            f"of {header.record_size} bytes from offset {header.data_offset}, which needs "
            f"{needed} bytes: the segment was truncated or its header is damaged",
            name=where,
            size=size,
            len=header.len,
            record_size=header.record_size,
            data_offset=header.data_offset,
            needed=needed,
        )
    if size > needed:
        problem = (
            f"the segment is {size} bytes but its header accounts for {needed} "
            f"({header.len} records of {header.record_size} bytes from offset "
            f"{header.data_offset})"
        )
        raise CorruptHeader(
            f"segment `{where}` has a damaged header: {problem}; recreate the segment",
            name=where,
            problem=problem,
        )
    return header


def _problem(h: Header) -> Optional[str]:
    if h.state not in (WRITING, READY):
        return f"its state is {h.state}, neither 0 (writing) nor 1 (ready)"
    if not 1 <= h.layout_len <= MAX_LAYOUT_LEN:
        return f"its layout section is {h.layout_len} bytes, not 1 to {MAX_LAYOUT_LEN}"
    if h.record_align == 0 or h.record_align & (h.record_align - 1):
        return f"its record alignment {h.record_align} is not a power of two"
    if h.record_size % h.record_align:
        return (
            f"its record size {h.record_size} is not a multiple of its alignment "
            f"{h.record_align}"
        )
    expected = data_offset(h.layout_len, h.record_align)
    if h.data_offset != expected:
        return (
            f"its records start at offset {h.data_offset}, but a {h.layout_len}-byte layout "
            f"section and alignment {h.record_align} put them at {expected}"
        )
    if h.nonce == 0:
        return "its nonce is 0, which no writer chooses"
    return None
