"""The seed's segfault, reproduced: an array of Python objects in shared memory.

A worker process attaches to a `SharedMemory` segment by name and reads the first element of an
array that its parent copied there, under two start methods:

- `spawn` starts a fresh interpreter (the default on macOS and Windows, where the blog was
  written). A `dtype=object` element is the address of a string in the *parent's* heap; the fresh
  process has another heap, and following the address kills it with SIGSEGV.
- `fork` copies the parent (the default on Linux before Python 3.14). The child inherits a
  copy-on-write copy of the parent's heap at the same addresses, so the same addresses happen to
  be valid: it reads the strings, by luck rather than by design.

The `'S6'` array works under both: its six bytes are the value.

    python3 examples/python/seed_crash.py            # spawn and fork
    python3 examples/python/seed_crash.py spawn      # one start method
"""

import multiprocessing as mp
import os
import signal
import sys
from multiprocessing import shared_memory

import numpy as np


# ANCHOR: worker
def worker(name, dtype, count):
    """Attach by name and read the names, as the blog's workers read their records."""
    shm = shared_memory.SharedMemory(name=name)
    names = np.ndarray((count,), dtype=dtype, buffer=shm.buf)
    print(f"    worker read {names.tolist()}", flush=True)
    del names  # the view must go before the mapping does
    shm.close()
# ANCHOR_END: worker


# ANCHOR: share
def share(dtype, method):
    """Copy two names into shared memory as `dtype`; read them in a `method` worker."""
    names = np.array(["string", "abc"], dtype=dtype)
    # The name is ours so that a test can remove it, should this process die too.
    shm = shared_memory.SharedMemory(
        name=f"seed_crash_{os.getpid()}_{method}_{names.dtype.char}",
        create=True,
        size=names.nbytes,
    )
    try:
        np.ndarray(names.shape, dtype=names.dtype, buffer=shm.buf)[:] = names
        print(f"dtype={dtype}, start method {method}:", flush=True)
        worker_process = mp.get_context(method).Process(
            target=worker, args=(shm.name, names.dtype, len(names))
        )
        worker_process.start()
        worker_process.join()
        code = worker_process.exitcode
        if code < 0:
            killer = signal.Signals(-code).name
            print(f"    worker killed by {killer} (exitcode {code})")
        else:
            print(f"    worker exited normally (exitcode {code})")
    finally:
        shm.close()
        shm.unlink()  # a crashed worker cannot clean up; the creator always does
# ANCHOR_END: share


# ANCHOR: main
if __name__ == "__main__":
    methods = sys.argv[1:] or ["spawn", "fork"]
    print(f"this Python's default start method: {mp.get_start_method()}")
    for dtype in ["object", "S6"]:
        for method in methods:
            share(dtype, method)
# ANCHOR_END: main
