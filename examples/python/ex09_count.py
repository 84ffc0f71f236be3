"""Chapter 9's exercise: count the readings a Rust process shared, with numpy, in place.

    python3 examples/python/ex09_count.py '<SharedArray::numpy_handoff()>'
"""

import sys

from shmsafe_attach import attach

# ANCHOR: solution
with attach(sys.argv[1]) as shared:
    readings = shared.records  # a read-only view: nothing is copied
    ok = readings["ok"] == 1
    count_ok = int(ok.sum())
    count_abc = int((readings["sensor"] == b"abc").sum())
    total = float(readings["value"][ok].sum(dtype="f8"))
    del readings, ok  # views go before the mapping does
    print(f"{count_ok} ok, {count_abc} from sensor abc, total of the ok ones {total:g}")
# ANCHOR_END: solution
