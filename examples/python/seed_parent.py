#!/usr/bin/env python3
"""The seed's experiment with a Python parent and Rust workers.

The parent builds the seed's records exactly as the blog does (a pandas DataFrame of
``(datetime.today(), 1, 'string'), (datetime.today(), np.nan, 'abc')`` repeated, then
``to_records(index=False, column_dtypes={'character_col': 'S6'})``), shares them with the
``shmsafe`` package, and starts Rust worker processes (``examples/sum_worker.rs``) that open the
segment by its name alone (``SharedArray::<Row>::open``), or by its sealed handle
(``SealedArray::<Row>::open``, with ``--sealed``), and print the nansum of ``val``::

    cargo build --release --example sum_worker
    pip install ./python pandas
    python examples/python/seed_parent.py                 # 10,000,000 rows, one worker per CPU
    python examples/python/seed_parent.py --sealed --rows 1000 --workers 2 --json

It checks every worker's answer against the parent's own ``np.nansum`` and prints the times
beside the seed's (a 2017 MacBook, 4 processes: 2.09 s with shared memory, 216 s copying).
The exit status is non-zero if a worker fails or answers wrongly.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_WORKER = REPO / "target" / "release" / "examples" / "sum_worker"
#: The seed's own numbers (2017 12-inch MacBook, 4 worker processes, 10,000,000 rows).
SEED = {"shared_memory_s": 2.09, "copy_s": 216.0, "workers": 4, "rows": 10_000_000}


def fail(message):
    print(f"seed_parent: {message}", file=sys.stderr)
    sys.exit(1)


def seed_records(rows):
    """The seed's records: its DataFrame and its to_records call, for ``rows`` rows (even)."""
    import numpy as np
    import pandas as pd

    # ANCHOR: records
    a = [
        (datetime.today(), 1, "string"),
        (datetime.today(), np.nan, "abc"),
    ] * (rows // 2)
    df = pd.DataFrame(a, columns=["date", "val", "character_col"])
    np_array = df.to_records(index=False, column_dtypes={"character_col": "S6"})
    # ANCHOR_END: records
    return np_array


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=SEED["rows"],
                        help="rows to build (even; default: the seed's 10,000,000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Rust worker processes (default: one per CPU)")
    parser.add_argument("--sealed", action="store_true",
                        help="share a sealed memfd (SealedArray) instead of a named segment")
    parser.add_argument("--worker-bin", type=Path, default=DEFAULT_WORKER,
                        help=f"the sum_worker executable (default: {DEFAULT_WORKER})")
    parser.add_argument("--json", action="store_true", help="print one JSON object, no table")
    args = parser.parse_args()
    if args.rows < 2 or args.rows % 2:
        fail(f"--rows {args.rows}: the seed's rows come in pairs; pass an even number >= 2")
    if args.workers < 1:
        fail("--workers must be at least 1")
    if not args.worker_bin.is_file():
        fail(f"{args.worker_bin} does not exist: build it with `cargo build --release --example "
             "sum_worker`, or pass --worker-bin PATH")
    try:
        import numpy as np
        import pandas  # noqa: F401

        import shmsafe
    except ImportError as error:
        fail(f"{error}: install what this needs into the Python that runs it: "
             f"`{sys.executable} -m pip install ./python pandas`")

    start = time.perf_counter()
    np_array = seed_records(args.rows)
    built = time.perf_counter()
    print_progress = not args.json
    if print_progress:
        print(f"np_array: {len(np_array):,} records, dtype {np_array.dtype.descr}, "
              f"{np_array.nbytes / 1e6:.0f} MB", flush=True)

    # ANCHOR: share
    t0 = time.perf_counter()
    segment = shmsafe.create(np_array, sealed=args.sealed)
    created = time.perf_counter()
    target = segment.handle if args.sealed else segment.name
    with segment:
        workers = [
            subprocess.Popen([str(args.worker_bin), target, "--worker", str(i)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(args.workers)
        ]
        outputs = [w.communicate() for w in workers]
        finished = time.perf_counter()
    # ANCHOR_END: share

    expected = float(np.nansum(np_array.val))
    reports, problems = [], []
    for i, (w, (out, err)) in enumerate(zip(workers, outputs)):
        if w.returncode != 0:
            problems.append(f"worker {i} failed ({w.returncode}): {err.strip()}")
            continue
        report = json.loads(out)
        reports.append(report)
        if report["nansum"] != expected:
            problems.append(f"worker {i} answered {report['nansum']}, expected {expected}")
    result = {
        "rows": len(np_array),
        "workers": args.workers,
        "sealed": args.sealed,
        "segment": target,
        "expected_nansum": expected,
        "build_s": built - start,
        "create_s": created - t0,
        "workers_s": finished - created,
        "total_s": finished - t0,
        "per_worker": reports,
        "seed": SEED,
        "problems": problems,
    }
    if args.json:
        print(json.dumps(result))
    else:
        kind = "sealed memfd (SealedArray)" if args.sealed else "named segment (SharedArray)"
        print(f"shared as a {kind}: {target}")
        print(f"{'phase':<34}{'seconds':>10}")
        print(f"{'build DataFrame + to_records':<34}{result['build_s']:>10.3f}")
        print(f"{'shmsafe.create (copy into segment)':<34}{result['create_s']:>10.3f}")
        print(f"{f'{args.workers} Rust workers, open + nansum':<34}{result['workers_s']:>10.3f}")
        print(f"{'create + workers':<34}{result['total_s']:>10.3f}")
        print(f"{'seed, shared memory (4 workers)':<34}{SEED['shared_memory_s']:>10.2f}")
        print(f"{'seed, copying (4 workers)':<34}{SEED['copy_s']:>10.2f}")
        for r in reports:
            print(f"  worker {r['worker']}: nansum {r['nansum']}, open {r['open_s'] * 1e3:.2f} ms, "
                  f"scan {r['scan_s'] * 1e3:.2f} ms, private {r['private_bytes'] / 1e6:.1f} MB, "
                  f"resident {r['rss_bytes'] / 1e6:.1f} MB")
        print(f"every worker found {expected}" if not problems else "\n".join(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
