"""What `tracemalloc` sees, and what it cannot: the Python twin of chapter 2's measurements.

The parent traces its allocations, makes a 48 MB numpy array, copies it into shared memory, and
starts a worker that makes its own 48 MB array. `tracemalloc` counts the first, and neither of
the others; the worker's own `/proc/self/smaps_rollup` sees its copy.

    python3 examples/python/tracemalloc_twin.py
"""

import multiprocessing as mp
import os
import tracemalloc
from multiprocessing import shared_memory

import numpy as np

COUNT = 6_000_000  # float64: 48 MB
MB = 1_000_000


# ANCHOR: private
def private_mb():
    """This process's private memory (USS), from the kernel, in MB."""
    fields = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return (fields["Private_Clean"] + fields["Private_Dirty"]) / MB
# ANCHOR_END: private


def traced():
    """What tracemalloc has counted in this process: now, and at its peak."""
    current, peak = tracemalloc.get_traced_memory()
    return f"{current / MB:.0f} MB now, peak {peak / MB:.0f} MB"


# ANCHOR: worker
def worker():
    before = private_mb()
    data = np.ones(COUNT)  # the worker's own copy
    grew = private_mb() - before
    print(
        f"worker: its own {data.nbytes / MB:.0f} MB array      "
        f"smaps_rollup: private +{grew:.0f} MB",
        flush=True,
    )
# ANCHOR_END: worker


# ANCHOR: parent
if __name__ == "__main__":
    tracemalloc.start()
    data = np.ones(COUNT)
    print(f"parent: a {data.nbytes / MB:.0f} MB numpy array     "
          f"tracemalloc: {traced()}")

    name = f"tracemalloc_twin_{os.getpid()}_"  # a name of ours, for the test to check
    shm = shared_memory.SharedMemory(name=name, create=True, size=data.nbytes)
    try:
        # 48 MB more in RAM, in the segment:
        np.ndarray(data.shape, data.dtype, buffer=shm.buf)[:] = data
        print(f"parent: + {shm.size / MB:.0f} MB in SharedMemory  "
              f"tracemalloc: {traced()}")

        child = mp.get_context("spawn").Process(target=worker)
        child.start()
        child.join()
        print(f"parent: after the worker         tracemalloc: {traced()}")
    finally:
        shm.close()
        shm.unlink()
# ANCHOR_END: parent
