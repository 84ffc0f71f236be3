"""The Python half of the Rust integration test ``tests/python_package.rs``.

Not a unittest module (its name does not start with ``test``): the Rust test runs it with one
subcommand and a JSON argument, and reads one JSON line from its stdout. Fingerprints travel as
16-digit hex strings (JSON numbers lose bits above 2**53).

- ``describe TEXTS``: for each ``Kind::numpy_dtype()`` text, what ``shmsafe.describe`` makes of
  the dtype it builds: fingerprint, layout text, dtype text; or the error.
- ``create SPECS``: for each ``{"dtype": text, "count": n, "seed": k}`` (or ``{"pandas": rows}``
  for the seed's own records), random records of that dtype in a named and a sealed segment;
  prints their names, handles and bytes, then keeps them until stdin closes, closes them and
  exits.
- ``open TARGETS``: for each ``{"target": name or handle, "dtype": text or null}``, opens it
  and reports the records' bytes, what the segment says and what Python computes of it; or the
  exception's class and message.
"""

import json
import sys
from multiprocessing import resource_tracker

import numpy as np

import shmsafe
from shmsafe._layout import dtype_from_text


def fp(n):
    return f"{n:016x}"


def describe(texts):
    out = []
    for text in texts:
        try:
            d = shmsafe.describe(dtype_from_text(text))
        except shmsafe.Error as error:
            out.append({"error": type(error).__name__, "message": str(error)})
            continue
        out.append({"fingerprint": fp(d.fingerprint), "display": d.display,
                    "dtype_text": d.dtype_text, "size": d.size, "align": d.align})
    return out


def seed_records(rows):
    from datetime import datetime

    import pandas as pd

    a = [(datetime.today(), 1, "string"), (datetime.today(), np.nan, "abc")] * (rows // 2)
    df = pd.DataFrame(a, columns=["date", "val", "character_col"])
    return df.to_records(index=False, column_dtypes={"character_col": "S6"})


def create(specs):
    segments, out = [], []
    for spec in specs:
        if "pandas" in spec:
            records = seed_records(spec["pandas"])
        else:
            dt = dtype_from_text(spec["dtype"])
            rng = np.random.default_rng(spec["seed"])
            count = spec["count"]
            # Every bit pattern is a valid record on both sides: random bytes are fair data.
            records = np.frombuffer(rng.bytes(dt.itemsize * count), dtype=dt)
        entry = {}
        for sealed in (False, True):
            seg = shmsafe.create(records, sealed=sealed)
            segments.append(seg)
            entry["handle" if sealed else "name"] = seg.handle if sealed else seg.name
            entry["hex"] = seg.array.tobytes().hex()
            entry["fingerprint"] = fp(seg.fingerprint)
            entry["layout"] = seg.layout
        out.append(entry)
    print(json.dumps(out), flush=True)
    sys.stdin.read()  # the Rust test closes stdin when it is done
    for seg in segments:
        seg.close()


def open_all(targets):
    out = []
    for t in targets:
        dtype = dtype_from_text(t["dtype"]) if t.get("dtype") else None
        try:
            view = shmsafe.open(t["target"], dtype=dtype)
        except shmsafe.Error as error:
            out.append({"error": type(error).__name__, "message": str(error)})
            continue
        with view:
            array = view.array
            try:
                described = fp(shmsafe.describe(view.dtype).fingerprint)
            except shmsafe.UnsupportedDtype:
                described = None  # atomics, 16-byte integers: numpy has no kind for them
            out.append({
                "hex": array.tobytes().hex(),
                "len": len(view),
                "fingerprint": fp(view.fingerprint),
                "described_fingerprint": described,
                "layout": view.layout,
                "writeable": bool(array.flags.writeable),
                "owndata": bool(array.flags.owndata),
            })
            del array
    return out


def main():
    command, argument = sys.argv[1], json.loads(sys.argv[2])
    if command == "describe":
        print(json.dumps(describe(argument)))
    elif command == "create":
        create(argument)
    elif command == "open":
        result = open_all(argument)
        tracker = getattr(resource_tracker._resource_tracker, "_pid", "unknown")
        print(json.dumps({"results": result, "tracker_pid": tracker}))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
