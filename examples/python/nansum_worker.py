#!/usr/bin/env python3
"""The seed's worker, reading Rust's records: attach to a shmsafe segment, np.nansum a field.

    python3 examples/python/nansum_worker.py --handoff '<SharedArray::numpy_handoff()>' --worker 0

prints exactly one JSON line on stdout, the report the Rust workers of the experiment print:

    {"worker": 0, "nansum": 5000000.0, "attach_s": 0.0002, "scan_s": 0.03,
     "private_bytes": 1990656, "pss_bytes": 40960000, "rss_bytes": 250000000}

``attach_s`` is the time to open the segment and build the numpy view (starting Python and
importing numpy come before the clock starts), ``scan_s`` the time of ``np.nansum``. Memory is
this process's, from ``/proc/self/smaps_rollup`` after the scan, while the segment is still
mapped: private (Private_Clean + Private_Dirty), proportional (Pss) and resident (Rss), in bytes.
A nansum that is not finite is reported as null (JSON has no infinity). Errors go to stderr,
with a non-zero exit status.
"""

import argparse
import json
import math
import sys
import time


def smaps_rollup():
    """Private, proportional and resident memory of this process, in bytes."""
    kib = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                kib[parts[0].rstrip(":")] = int(parts[1])
    return {
        "private_bytes": (kib["Private_Clean"] + kib["Private_Dirty"]) * 1024,
        "pss_bytes": kib["Pss"] * 1024,
        "rss_bytes": kib["Rss"] * 1024,
    }


def fail(message, status=1):
    print(f"nansum_worker: {message}", file=sys.stderr)
    sys.exit(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--handoff", required=True, help="the JSON text of SharedArray::numpy_handoff()"
    )
    parser.add_argument("--worker", type=int, default=0, help="this worker's number, echoed")
    parser.add_argument("--field", default="val", help="the field to sum (default: val)")
    args = parser.parse_args()

    try:
        import numpy as np

        from shmsafe_attach import HandoffError, attach
    except ImportError as error:
        fail(
            f"{error}\nnumpy is missing for {sys.executable}: install it with "
            f"`{sys.executable} -m pip install numpy` (or pip install numpy in the environment "
            "that runs this script)"
        )

    # ANCHOR: worker
    try:
        start = time.perf_counter()
        segment = attach(args.handoff)
        attached = time.perf_counter()
    except (HandoffError, FileNotFoundError, PermissionError) as error:
        fail(str(error))
    with segment:
        records = segment.records
        if records.dtype.names is None or args.field not in records.dtype.names:
            del records
            fail(
                f"the records have no field {args.field!r} (they are {segment.records.dtype}); "
                "choose one with --field"
            )
        total = float(np.nansum(records[args.field]))
        scanned = time.perf_counter()
        memory = smaps_rollup()
        del records  # the view must go before the segment is closed
    # ANCHOR_END: worker

    report = {
        "worker": args.worker,
        "nansum": total if math.isfinite(total) else None,
        "attach_s": attached - start,
        "scan_s": scanned - attached,
        **memory,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
