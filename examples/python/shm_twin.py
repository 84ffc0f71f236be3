"""The Python twin of examples/shm_from_scratch.rs: the same segment, made by
`multiprocessing.shared_memory`, which calls shm_open, ftruncate and mmap for you.

    python3 examples/python/shm_twin.py
"""

import multiprocessing as mp
import os
from multiprocessing import shared_memory

SIZE = 1 << 20
PAGE = 4096
GREETING = b"hello from the creator"


def describe(name):
    """Size, mode and memory used of a segment, from its file in /dev/shm, like the Rust."""
    st = os.stat(f"/dev/shm/{name}")
    return f"size {st.st_size} bytes, mode {st.st_mode & 0o777:o}, memory used {st.st_blocks * 512} bytes"


# ANCHOR: read
def read(name):
    """Another process: attach by name alone and look."""
    shm = shared_memory.SharedMemory(name=name)  # shm_open + mmap
    text = bytes(shm.buf[: len(GREETING)]).decode()
    marks = sum(shm.buf[p * PAGE] == p % 256 for p in range(1, SIZE // PAGE))
    print(f"reader read {text!r} and {marks} page marks")
    shm.close()  # munmap
# ANCHOR_END: read


# ANCHOR: create
def create():
    """shm_open(O_CREAT | O_EXCL, 0600) with a random name, ftruncate, mmap MAP_SHARED."""
    shm = shared_memory.SharedMemory(create=True, size=SIZE)
    print(f"created {shm.name}: {describe(shm.name)}")
    print(f"ls /dev/shm lists it: {shm.name in os.listdir('/dev/shm')}")
    return shm
# ANCHOR_END: create


# ANCHOR: touch
def write(shm):
    """A greeting, and a mark on every page after the first."""
    shm.buf[: len(GREETING)] = GREETING
    for page in range(1, SIZE // PAGE):
        shm.buf[page * PAGE] = page % 256
    print(f"after writing:     {describe(shm.name)}")
# ANCHOR_END: touch


# ANCHOR: cleanup
def remove(shm):
    shm.close()  # munmap
    shm.unlink()  # shm_unlink
    path = f"/dev/shm/{shm.name}"
    print(f"after unlink:      {path} exists: {os.path.exists(path)}")
# ANCHOR_END: cleanup


# ANCHOR: main
if __name__ == "__main__":
    shm = create()
    try:
        write(shm)
        # Another process, started with nothing but the name:
        reader = mp.get_context("spawn").Process(target=read, args=(shm.name,))
        reader.start()
        reader.join()
    finally:
        remove(shm)
# ANCHOR_END: main
