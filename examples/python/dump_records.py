#!/usr/bin/env python3
"""Dump what numpy reads from a shmsafe segment, as JSON, to compare with what Rust wrote.

    python3 examples/python/dump_records.py --handoff '<SharedArray::numpy_handoff()>'

prints one JSON object:

- ``layout``: the dtype as numpy built it: ``itemsize`` and, per field, ``name``, ``offset``,
  ``itemsize``, ``shape`` and, for a nested record, its own ``layout``;
- ``records``: one value per record, read through numpy: a record is an object by field name,
  an array field a (nested) list, an integer a JSON integer, a float the integer of its bits
  (``null`` where numpy sees NaN), a ``'SN'`` string ``{"raw", "numpy", "text"}`` (all N bytes
  in hex; the bytes numpy's ``'SN'`` gives, trailing NULs dropped, in hex; the text up to the
  first NUL if it is UTF-8, else null), a ``'VN'`` (a 16-byte integer) its bytes in hex;
- ``zero_copy``: whether the array's data is the segment's mapping at the handoff's offset;
  ``writeable``: the array's flag; ``tracker_pid``: the resource tracker this process started
  (null: none, so nothing can unlink the segment when this process exits);
- ``python`` and ``numpy``: the versions.
"""

import argparse
import json
import sys
from multiprocessing import resource_tracker

import numpy as np

from shmsafe_attach import attach


def layout(dtype):
    """numpy's own view of a record dtype: sizes and offsets, recursively."""
    fields = []
    for name in dtype.names:
        field, offset = dtype.fields[name][:2]
        base, shape = (field.subdtype if field.subdtype else (field, ()))
        entry = {"name": name, "offset": offset, "itemsize": field.itemsize, "shape": list(shape)}
        if base.names:
            entry["layout"] = layout(base)
        fields.append(entry)
    return {"itemsize": dtype.itemsize, "fields": fields}


def encode(a):
    """A JSON value for the ndarray ``a``: nested lists over its shape, leaves by dtype."""
    if a.ndim > 0:
        return [encode(a[i, ...]) for i in range(a.shape[0])]
    dtype = a.dtype
    if dtype.names:
        return {name: encode(a[name]) for name in dtype.names}
    if dtype.kind in "iu":
        return int(a)
    if dtype.kind == "f":
        return None if np.isnan(a) else int.from_bytes(a.tobytes(), sys.byteorder)
    if dtype.kind == "S":
        raw = a.tobytes()  # an array's bytes are all N of them; numpy's scalar drops NULs
        try:
            text = raw.split(b"\0", 1)[0].decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {"raw": raw.hex(), "numpy": bytes(a[()]).hex(), "text": text}
    if dtype.kind == "V":
        return a.tobytes().hex()
    raise TypeError(f"no JSON encoding for dtype {dtype}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--handoff", required=True, help="the JSON text of SharedArray::numpy_handoff()"
    )
    args = parser.parse_args()

    with attach(args.handoff) as segment:
        records = segment.records
        start = np.frombuffer(segment.shm.buf, dtype=np.uint8, count=1)
        mapping = start.__array_interface__["data"][0]
        del start
        out = {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "layout": layout(records.dtype) if records.dtype.names else None,
            "itemsize": records.dtype.itemsize,
            "zero_copy": not records.flags.owndata
            and records.__array_interface__["data"][0] == mapping + segment.handoff["offset"],
            "writeable": bool(records.flags.writeable),
            "records": encode(records),
        }
        del records
    out["tracker_pid"] = getattr(resource_tracker._resource_tracker, "_pid", "unknown")
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
