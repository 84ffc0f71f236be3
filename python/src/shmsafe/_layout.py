"""Layouts: a numpy dtype as the Rust crate's ``Kind``, its fingerprint, text and dtype text.

This mirrors ``src/layout.rs`` of the Rust crate exactly: ``Kind`` and ``Layout``, the FNV-1a
``fingerprint`` over the same fixed encoding, ``Display`` (the first line of a segment's layout
section) and ``Kind::numpy_dtype`` (its second line). A record built here from a numpy dtype
has the fingerprint Rust computes for the ``#[derive(ShmSafe)] #[repr(C)]`` struct with the
same fields, so a Rust worker opens a Python-made segment with its own type, and the other way
round.

Only what a ``#[repr(C)]`` record can be is accepted (:func:`describe` says why not otherwise):
native-endian integers of 1, 2, 4 or 8 bytes (``datetime64`` and ``timedelta64`` are stored as
their 8-byte integers), floats of 4 or 8 bytes, ``'SN'`` bytes, fixed-size arrays (subarray
dtypes) and nested records, each field aligned, none overlapping, no gap between fields.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._errors import CorruptHeader, UnsupportedDtype, clean

__all__ = [
    "Array",
    "Bytes",
    "Description",
    "Field",
    "Float",
    "Int",
    "Kind",
    "Layout",
    "Record",
    "describe",
    "dtype_from_text",
    "fingerprint",
]

_ENDIAN = "<" if sys.byteorder == "little" else ">"
#: The name shown for a record in layout text; Rust shows the struct's name (not fingerprinted).
RECORD_NAME = "Record"
#: The explicit field that :func:`describe` adds where a record ends before its size.
PAD_FIELD = "_pad"


@dataclass(frozen=True)
class Int:
    """An integer of ``bytes`` bytes (Rust ``Kind::Int``)."""

    signed: bool
    bytes: int


@dataclass(frozen=True)
class Float:
    """An IEEE 754 float of 4 or 8 bytes (Rust ``Kind::Float``)."""

    bytes: int


@dataclass(frozen=True)
class Bytes:
    """NUL-padded bytes, numpy's ``'SN'`` (Rust ``Kind::Bytes``, a ``FixedStr<N>``)."""

    len: int


@dataclass(frozen=True)
class Array:
    """A fixed-size array ``[elem; len]`` (Rust ``Kind::Array``)."""

    elem: "Kind"
    elem_size: int
    len: int


@dataclass(frozen=True)
class Field:
    """One field of a record: name, offset and size in bytes, and kind."""

    name: str
    offset: int
    size: int
    kind: "Kind"


@dataclass(frozen=True)
class Layout:
    """A record: its name (for messages only), size, alignment and fields in offset order."""

    name: str
    size: int
    align: int
    fields: Tuple[Field, ...]


@dataclass(frozen=True)
class Record:
    """A nested record (Rust ``Kind::Record``)."""

    layout: Layout


Kind = Union[Int, Float, Bytes, Array, Record]


# ---------------------------------------------------------------------------------------------
# The fingerprint: FNV-1a, 64 bits, over the encoding of src/layout.rs.

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


class _Fnv:
    def __init__(self) -> None:
        self.h = _FNV_OFFSET

    def bytes(self, data: bytes) -> "_Fnv":
        h = self.h
        for b in data:
            h = ((h ^ b) * _FNV_PRIME) & _MASK
        self.h = h
        return self

    def byte(self, b: int) -> "_Fnv":
        return self.bytes(bytes([b]))

    def num(self, n: int) -> "_Fnv":
        # Every number is 8 little-endian bytes, whatever the platform.
        return self.bytes((n & _MASK).to_bytes(8, "little"))

    def str(self, s: str) -> "_Fnv":
        data = s.encode("utf-8")
        return self.num(len(data)).bytes(data)

    def kind(self, kind: Kind) -> "_Fnv":
        if isinstance(kind, Int):
            return self.byte(1).byte(int(kind.signed)).byte(kind.bytes)
        if isinstance(kind, Float):
            return self.byte(2).byte(kind.bytes)
        if isinstance(kind, Bytes):
            return self.byte(4).num(kind.len)
        if isinstance(kind, Array):
            return self.byte(5).num(kind.len).num(kind.elem_size).kind(kind.elem)
        layout = kind.layout
        self.byte(6).num(layout.size).num(layout.align).num(len(layout.fields))
        for field in layout.fields:
            self.str(field.name).num(field.offset).num(field.size).kind(field.kind)
        return self


def fnv1a(data: bytes) -> int:
    """FNV-1a, 64 bits, of ``data``."""
    return _Fnv().bytes(data).h


def fingerprint(kind: Kind, size: int, align: int) -> int:
    """``shmsafe::layout::fingerprint(kind, size, align)``: what a segment's header holds."""
    return (
        _Fnv()
        .bytes(b"shmsafe layout v1")
        .byte(int(sys.byteorder == "little"))
        .num(size)
        .num(align)
        .kind(kind)
        .h
    )


# ---------------------------------------------------------------------------------------------
# Text: Rust's Display, and Kind::numpy_dtype().


def _scalar_text(kind: Kind) -> str:
    if isinstance(kind, Int):
        letter = "i" if kind.signed else "u"
        if kind.bytes == 1:
            return letter + "1"
        if kind.bytes == 16:
            return "V16"
        return f"{_ENDIAN}{letter}{kind.bytes}"
    if isinstance(kind, Float):
        return f"{_ENDIAN}f{kind.bytes}"
    if isinstance(kind, Bytes):
        return f"S{kind.len}"
    raise AssertionError(f"not a scalar kind: {kind}")


def _array_shape(kind: Kind) -> Tuple[List[int], Kind]:
    dims = []
    while isinstance(kind, Array):
        dims.append(kind.len)
        kind = kind.elem
    return dims, kind


def _shape_text(dims: Sequence[int]) -> str:
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ",".join(str(d) for d in dims) + ")"


def kind_text(kind: Kind) -> str:
    """Rust's ``Display`` of a kind: ``<i8``, ``S6``, ``(2,3)<f4``, a record's layout text."""
    if isinstance(kind, Record):
        return layout_text(kind.layout)
    if isinstance(kind, Array):
        dims, inner = _array_shape(kind)
        return _shape_text(dims) + kind_text(inner)
    return _scalar_text(kind)


def layout_text(layout: Layout) -> str:
    """Rust's ``Display`` of a layout: ``Row {date: <i8 @0, ...} (24 bytes, align 8)``."""
    fields = ", ".join(f"{f.name}: {kind_text(f.kind)} @{f.offset}" for f in layout.fields)
    unit = "byte" if layout.size == 1 else "bytes"
    return f"{layout.name} {{{fields}}} ({layout.size} {unit}, align {layout.align})"


def display_text(kind: Kind, size: int) -> str:
    """The first line of a segment's layout section for records of ``kind``: a record's layout
    text, or for a plain value its kind and size (``<f8 (8 bytes)``), as Rust writes it."""
    if isinstance(kind, Record):
        return layout_text(kind.layout)
    return f"{kind_text(kind)} ({size} bytes)"


def numpy_dtype_text(kind: Kind) -> str:
    """``Kind::numpy_dtype()``: the JSON numpy dtype description, byte for byte as Rust writes it."""
    if isinstance(kind, Record):
        return _record_dtype_text(kind.layout)
    if isinstance(kind, Array):
        dims, inner = _array_shape(kind)
        if isinstance(inner, Record):
            shape = ", ".join(str(d) for d in dims)
            return f"[{_record_dtype_text(inner.layout)}, [{shape}]]"
        return f'"{_shape_text(dims)}{_scalar_text(inner)}"'
    return f'"{_scalar_text(kind)}"'


def _record_dtype_text(layout: Layout) -> str:
    fields = [f for f in layout.fields if f.size > 0]
    names = ", ".join(f'"{f.name}"' for f in fields)
    formats = ", ".join(numpy_dtype_text(f.kind) for f in fields)
    offsets = ", ".join(str(f.offset) for f in fields)
    return (
        f'{{"names": [{names}], "formats": [{formats}], "offsets": [{offsets}], '
        f'"itemsize": {layout.size}}}'
    )


def _with_tuples(description: Any) -> Any:
    # JSON has no tuples: an array of records arrives as [description, [shape]].
    if isinstance(description, str):
        return description
    if isinstance(description, dict):
        keys = {"names", "formats", "offsets", "itemsize"}
        if set(description) != keys:
            raise ValueError(f"a record description has exactly the keys {sorted(keys)}")
        return {**description, "formats": [_with_tuples(f) for f in description["formats"]]}
    if isinstance(description, list) and len(description) == 2:
        element, shape = description
        if not isinstance(shape, list) or not all(type(d) is int and d > 0 for d in shape):
            raise ValueError("an array shape is a list of positive integers")
        return (_with_tuples(element), tuple(shape))
    raise ValueError(
        "expected a format string, a record object or [description, [shape]], not "
        f"{type(description).__name__}"
    )


def dtype_from_text(text: str) -> np.dtype:
    """The numpy dtype of a ``Kind::numpy_dtype()`` text (the second line of a layout section).

    Raises ``ValueError`` when the text is not such a description.
    """
    dt: np.dtype = np.dtype(_with_tuples(json.loads(text)))
    return dt


# ---------------------------------------------------------------------------------------------
# From a numpy dtype to a Kind, refusing what no #[repr(C)] record can be.


@dataclass(frozen=True)
class Description:
    """What :func:`describe` makes of a dtype: everything a segment says about its records.

    - ``dtype``: the records' dtype with any trailing padding made explicit (a ``_pad`` field);
      the caller's own types are kept (a ``datetime64`` stays one).
    - ``kind``, ``size``, ``align``: the Rust view (``size`` is ``dtype.itemsize``).
    - ``fingerprint``: what a Rust type with this layout has as ``ShmSafe::FINGERPRINT``.
    - ``display``, ``dtype_text``: the two lines of the layout section.
    - ``padded``: whether a ``_pad`` field was added, so records must be copied field by field.
    """

    dtype: np.dtype
    kind: Kind
    size: int
    align: int
    fingerprint: int
    display: str
    dtype_text: str
    padded: bool


def _refuse(path: str, why: str) -> UnsupportedDtype:
    where = f"field `{path}`" if path else "the records' dtype"
    return UnsupportedDtype(f"{where}: {why}", field=path or None)


def _is_rust_name(name: str) -> bool:
    # A Rust field name: an identifier (keywords are fine: r#type is named "type"), or the
    # position of a tuple struct's field.
    if name.isdigit() and name.isascii():
        return name == "0" or not name.startswith("0")
    return name.isidentifier()


def _scalar_kind(dt: np.dtype, path: str) -> Tuple[Kind, int]:
    """The kind and alignment of a dtype with no fields and no shape."""
    if not dt.isnative and dt.itemsize > 1:
        raise _refuse(
            path,
            f"{dt.str} is big-endian (non-native) and Rust reads native byte order; convert "
            f"with .astype('{dt.newbyteorder('=').str}')",
        )
    kind, size = dt.kind, dt.itemsize
    if kind in "iu":
        if size not in (1, 2, 4, 8):
            raise _refuse(path, f"{dt.str}: Rust records hold integers of 1, 2, 4 or 8 bytes")
        return Int(kind == "i", size), size
    if kind in "Mm":
        # datetime64 / timedelta64: 8-byte signed counts of their unit; the unit is not stored.
        return Int(True, 8), 8
    if kind == "f":
        if size not in (4, 8):
            raise _refuse(
                path, f"{dt.str} is a {size * 8}-bit float; Rust records hold f32 or f64: use "
                "'<f4' or '<f8'"
            )
        return Float(size), size
    if kind == "S":
        if size == 0:
            raise _refuse(path, "'S0' holds no bytes; give the string a width, like 'S6'")
        return Bytes(size), 1
    if kind == "U":
        raise _refuse(
            path,
            f"{dt.str} is numpy's UTF-32 text, which Rust records do not hold; use fixed-width "
            f"bytes 'S{dt.itemsize // 4}' (FixedStr<{dt.itemsize // 4}> in Rust): "
            ".astype('S...') encodes ASCII, or encode to UTF-8 yourself",
        )
    if kind == "O":
        raise _refuse(
            path,
            "dtype object holds pointers into this process's heap, which mean nothing in another "
            "process (reading them there crashes it); store the values: strings as 'SN' bytes, "
            "numbers as numbers",
        )
    if kind == "b":
        raise _refuse(
            path,
            "bool: Rust refuses bool in shared records (another process may write a byte that "
            "is not 0 or 1); use 'u1' with 0 and 1 (.astype('u1'))",
        )
    if kind == "c":
        raise _refuse(
            path,
            f"{dt.str} is complex, which Rust records do not hold; store the real and "
            f"imaginary parts as ('<f{size // 2}', (2,))",
        )
    if kind == "V":
        raise _refuse(
            path,
            f"{dt.str} is raw bytes of no type; for padding write ('_pad', 'u1', ({size},)) "
            "like Rust's `_pad: [u8; N]`, for text 'S{size}'",
        )
    raise _refuse(path, f"{dt.str} has no Rust counterpart")


def _kind(dt: np.dtype, path: str) -> Tuple[Kind, int]:
    """The kind and alignment of any dtype, refusing what a #[repr(C)] record cannot hold."""
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        if any(d == 0 for d in shape):
            raise _refuse(path, f"an array of shape {shape} holds no bytes; leave it out")
        kind, align = _kind(base, path)
        elem_size = base.itemsize
        for length in reversed(shape):
            kind = Array(kind, elem_size, length)
            elem_size *= length
        return kind, align
    if dt.names is not None:
        layout = _layout(dt, path, top=False)
        return Record(layout), layout.align
    return _scalar_kind(dt, path)


def _field_list(dt: np.dtype, path: str) -> List[Tuple[str, np.dtype, int]]:
    fields = []
    assert dt.names is not None and dt.fields is not None
    for name in dt.names:
        entry = dt.fields[name]
        fields.append((name, entry[0], entry[1]))
    if not fields:
        raise _refuse(path, "a record with no fields holds nothing; add fields")
    return fields


def _layout(dt: np.dtype, path: str, top: Optional[bool]) -> Layout:
    """The layout of a structured dtype, whose itemsize must be exactly Rust's size, except at
    the top, where :func:`_pad_top` has already made the trailing padding explicit. ``top=None``
    checks the fields only (before :func:`_pad_top`)."""
    fields: List[Field] = []
    align = 1
    end = 0
    previous: Optional[str] = None
    listed = _field_list(dt, path)
    for (before, _, at_before), (name, _, offset) in zip(listed, listed[1:]):
        if offset < at_before:
            raise _refuse(
                f"{path}.{name}" if path else name,
                f"it is at offset {offset}, before `{before}` (at {at_before}), which is listed "
                "first: a #[repr(C)] record's fields are in offset order; list them in that "
                "order",
            )
    for name, fdt, offset in listed:
        at = f"{path}.{name}" if path else name
        if not _is_rust_name(name):
            raise _refuse(
                at,
                f"{clean(name)!r} cannot be the name of a Rust field; use letters, digits and "
                "underscores, not starting with a digit",
            )
        if fdt.itemsize == 0:
            raise _refuse(at, f"{fdt} holds no bytes; leave the field out")
        kind, falign = _kind(fdt, at)
        if offset < end:
            raise _refuse(
                at,
                f"it starts at offset {offset}, inside `{previous}` (which ends at {end}): "
                "fields overlap, which no #[repr(C)] record does; give each field its own bytes",
            )
        if offset % falign:
            raise _refuse(
                at,
                f"it is at offset {offset}, not a multiple of its alignment {falign}: no "
                "#[repr(C)] record has an unaligned field; put the widest fields first, or "
                "build the dtype with align=True and make each gap an explicit field "
                "('_padN', 'u1', (bytes,))",
            )
        if offset > end:
            gap = offset - end
            before = f"`{previous}` (which ends at {end})" if previous else "the record's start"
            raise _refuse(
                at,
                f"{gap} bytes of implicit padding between {before} and `{name}` (at {offset}): "
                "Rust refuses implicit padding (it carries stale bytes and hides layout "
                f"differences); add an explicit field ('_pad{len(fields)}', 'u1', ({gap},)) there, "
                f"as `_pad{len(fields)}: [u8; {gap}]` in the Rust record, or reorder the fields",
            )
        fields.append(Field(name, offset, fdt.itemsize, kind))
        align = max(align, falign)
        end = offset + fdt.itemsize
        previous = name
    size = dt.itemsize
    if top is None:
        return Layout(RECORD_NAME, size, align, tuple(fields))
    if not top and size != end:
        raise _refuse(
            path,
            f"this nested record is {size} bytes but its fields end at {end}: give it an "
            f"explicit last field ('{PAD_FIELD}', 'u1', ({size - end},)) so that no byte is "
            "implicit padding",
        )
    if size % align:
        raise _refuse(
            path,
            f"a record of {size} bytes with fields aligned to {align} would be misaligned in "
            f"an array: records of a #[repr(C)] struct are a multiple of its alignment; make it "
            f"{-(-size // align) * align} bytes with an explicit last field",
        )
    return Layout(RECORD_NAME, size, align, tuple(fields))


def _pad_top(dt: np.dtype, path: str) -> Tuple[np.dtype, bool]:
    """The dtype with the bytes after its last field, up to a multiple of the record's
    alignment, made an explicit field ``_pad`` of ``u1``, as a Rust struct must declare them.

    numpy's default (packed) dtypes end where the last field ends; pandas' ``to_records`` gives
    ``[('date', '<M8[us]'), ('val', '<f8'), ('character_col', 'S6')]``, 22 bytes, which a
    #[repr(C)] struct rounds up to 24: this is where those 2 bytes become ``_pad: [u8; 2]``.
    """
    fields = _field_list(dt, path)
    end = max(offset + fdt.itemsize for _, fdt, offset in fields)
    align = 1
    for name, fdt, _ in fields:
        align = max(align, _kind(fdt, f"{path}.{name}" if path else name)[1])
    size = -(-max(dt.itemsize, end) // align) * align
    if size == end:
        return dt, False
    if PAD_FIELD in (dt.names or ()):
        raise _refuse(
            path,
            f"the record needs {size - end} bytes of explicit padding after its last field, as "
            f"a field named `{PAD_FIELD}`, but it has a field of that name; make the padding "
            "explicit yourself",
        )
    names = [name for name, _, _ in fields] + [PAD_FIELD]
    formats = [fdt for _, fdt, _ in fields] + [np.dtype((np.uint8, (size - end,)))]
    offsets = [offset for _, _, offset in fields] + [end]
    padded = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": size})
    return padded, True


def describe(dtype: Any, path: str = "") -> Description:
    """Describes records of ``dtype`` as a Rust creator would, or raises
    :class:`~shmsafe.UnsupportedDtype` naming the field and the reason.

    A structured dtype is a record; any other accepted dtype (``'<f8'``, ``'S6'``, ``'<i4'``)
    is a plain value, as ``SharedArray<f64>`` holds; a subarray dtype (``('<f8', (3,))``) is a
    Rust array (``SharedArray<[f64; 3]>``). Trailing padding is made an explicit
    ``_pad`` field (see :func:`_pad_top`); every other gap is refused.
    """
    dt = np.dtype(dtype)
    padded = False
    if dt.names is not None:
        if dt.subdtype is None:
            _layout(dt, path, top=None)  # every field first, then the trailing padding
            dt, padded = _pad_top(dt, path)
        layout = _layout(dt, path, top=True)
        kind: Kind = Record(layout)
        align = layout.align
    else:
        kind, align = _kind(dt, path)
    size = dt.itemsize
    return Description(
        dtype=dt,
        kind=kind,
        size=size,
        align=align,
        fingerprint=fingerprint(kind, size, align),
        display=display_text(kind, size),
        dtype_text=numpy_dtype_text(kind),
        padded=padded,
    )


def segment_dtype(text: str, record_size: int, where: str) -> np.dtype:
    """The dtype a segment's layout section describes, refused with :class:`CorruptHeader`
    unless it is a description a writer produces and it is safe to view: no objects, native
    byte order, exactly ``record_size`` bytes."""
    try:
        dt = dtype_from_text(text)
    except (ValueError, TypeError, RecursionError) as error:
        raise CorruptHeader(
            f"segment `{where}` has a damaged header: its layout section's dtype {clean(text)!r} is not a "
            f"numpy dtype description ({clean(str(error))}); recreate the segment",
            name=where,
        ) from None
    _check_viewable(dt, text, where)
    if dt.itemsize != record_size:
        raise CorruptHeader(
            f"segment `{where}` has a damaged header: its layout section describes records of "
            f"{dt.itemsize} bytes but the header says {record_size}; recreate the segment",
            name=where,
        )
    return dt


def _check_viewable(dt: np.dtype, text: str, where: str) -> None:
    # Whatever the text says, numpy must only ever see plain bytes: a forged 'O' would make
    # numpy follow pointers out of shared memory.
    if dt.names is not None and dt.fields is not None:
        for name in dt.names:
            _check_viewable(dt.fields[name][0], text, where)
        return
    if dt.subdtype is not None:
        _check_viewable(dt.subdtype[0], text, where)
        return
    if dt.kind not in "iufSV" or dt.hasobject or (dt.itemsize > 1 and not dt.isnative):
        raise CorruptHeader(
            f"segment `{where}` has a damaged header: its layout section's dtype {clean(text)!r} holds "
            f"{dt.str}, which no shmsafe writer produces; recreate the segment",
            name=where,
        )
