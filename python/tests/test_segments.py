"""Segments: created, opened, refused and removed, named and sealed, Python to Python.

Every test removes what it creates, also when it fails, and looks only at its own names in
/dev/shm (other programs may use /dev/shm at the same time).
"""

import errno
import fcntl
import os
import secrets
import stat
import struct
import subprocess
import sys
import textwrap
import unittest
from unittest import mock

import numpy as np

import shmsafe
from shmsafe import _format, _segment

ROW = np.dtype([("date", "<M8[ns]"), ("val", "<f8"), ("character_col", "S6")])


def seed_rows(n):
    rows = np.zeros(n, dtype=ROW)
    rows["date"] = np.arange(n).astype("<M8[ns]")
    rows["val"] = np.where(np.arange(n) % 2 == 0, 1.0, np.nan)
    rows["character_col"] = np.where(np.arange(n) % 2 == 0, b"string", b"abc")
    return rows


def exists(name):
    return os.path.lexists(os.path.join("/dev/shm", name))


class Base(unittest.TestCase):
    def create(self, records, **kw):
        seg = shmsafe.create(records, **kw)
        self.addCleanup(seg._finalizer)
        return seg

    def open(self, what, **kw):
        view = shmsafe.open(what, **kw)
        self.addCleanup(view._finalizer)
        return view

    def forged(self, data, mode=0o600):
        """A file in /dev/shm with these bytes, removed after the test."""
        name = f"shmsafe_pytest_{secrets.token_hex(6)}"
        path = os.path.join("/dev/shm", name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        self.addCleanup(lambda: os.path.lexists(path) and os.unlink(path))
        os.write(fd, data)
        os.fchmod(fd, mode)
        os.close(fd)
        return name

    def segment_bytes(self, records, **fields):
        """The bytes of a valid named segment of ``records``, with header fields replaced."""
        with shmsafe.create(records) as seg:
            with open(os.path.join("/dev/shm", seg.name), "rb") as f:
                data = bytearray(f.read())
        header = _format.Header(*_format.HEADER.unpack_from(data, 0))
        values = {**header.__dict__, **fields}
        data[:64] = _format.Header(**values).pack()
        return data


class RoundTrips(Base):
    def test_named_segments_hold_the_records_read_only_and_zero_copy(self):
        rows = seed_rows(1001)
        seg = self.create(rows)
        self.assertRegex(seg.name, r"^shmsafe_[0-9a-f]{16}$")
        self.assertIsNone(seg.handle)
        st = os.stat(os.path.join("/dev/shm", seg.name))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_size, seg.data_offset + 1001 * 24)
        self.assertGreaterEqual(st.st_blocks * 512, st.st_size)  # reserved, not sparse
        self.assertEqual(seg.data_offset % 64, 0)
        # The caller's dtype, with its trailing padding explicit.
        self.assertEqual(seg.array.dtype.names, ("date", "val", "character_col", "_pad"))
        for field in ROW.names:
            np.testing.assert_array_equal(seg.array[field], rows[field])
        self.assertFalse(seg.array["_pad"].any())
        self.assertFalse(seg.array.flags.writeable)
        with self.assertRaises(ValueError):
            seg.array["val"][0] = 2.0

        view = self.open(seg.name)
        self.assertEqual(view.array.dtype["date"], np.dtype("<i8"))  # as the segment says
        np.testing.assert_array_equal(view.array["date"], rows["date"].view("<i8"))
        self.assertEqual(np.nansum(view.array["val"]), 501.0)
        self.assertFalse(view.array.flags.writeable)
        self.assertFalse(view.array.flags.owndata)
        self.assertEqual(view.fingerprint, seg.fingerprint)
        self.assertEqual(view.layout, seg.layout)
        self.assertEqual(view.creator_pid, os.getpid())
        self.assertEqual(len(view), 1001)
        # With the creator's dtype, datetimes read as datetimes.
        typed = self.open(seg.name, dtype=ROW)
        np.testing.assert_array_equal(typed.array["date"], rows["date"])

        name = seg.name
        view.close()
        typed.close()
        seg.close()
        self.assertFalse(exists(name))
        seg.close()  # twice is fine
        with self.assertRaises(shmsafe.Closed):
            seg.array

    def test_the_creator_holds_an_exclusive_lock(self):
        seg = self.create(seed_rows(3))
        fd = os.open(os.path.join("/dev/shm", seg.name), os.O_RDONLY)
        try:
            with self.assertRaises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            seg.close()
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # the creator let go
        finally:
            os.close(fd)

    def test_sealed_segments_cannot_be_changed_by_anyone(self):
        rows = seed_rows(100)
        seg = self.create(rows, sealed=True)
        self.assertIsNone(seg.name)
        path, nonce = _segment.parse_handle(seg.handle)
        self.assertEqual(nonce, seg.nonce)
        fd = os.open(path, os.O_RDWR)
        try:
            self.assertEqual(fcntl.fcntl(fd, _segment.F_GET_SEALS) & 0xF, 0xF)
            for attempt in (lambda: os.pwrite(fd, b"x", 100), lambda: os.ftruncate(fd, 10)):
                with self.assertRaises(PermissionError):
                    attempt()
        finally:
            os.close(fd)
        view = self.open(seg.handle)
        np.testing.assert_array_equal(view.array["val"], rows["val"])
        self.assertTrue(view.sealed)
        view.close()
        seg.close()
        with self.assertRaises(shmsafe.HandleGone):
            shmsafe.open(seg.handle)

    def test_plain_values_and_empty_arrays(self):
        seg = self.create(np.arange(10, dtype="<f8"))
        self.assertEqual(seg.layout, "<f8 (8 bytes)")
        view = self.open(seg.name)
        self.assertEqual(view.array.sum(), 45.0)
        empty = self.create(np.zeros(0, dtype=ROW), sealed=True)
        self.assertEqual(len(self.open(empty.handle).array), 0)

    def test_rows_of_values_are_records_of_arrays(self):
        values = np.arange(12, dtype="<f8").reshape(4, 3)
        seg = self.create(values)
        self.assertEqual(seg.layout, "(3,)<f8 (24 bytes)")
        self.assertEqual(len(seg), 4)
        view = self.open(seg.name)
        self.assertEqual(view.array.shape, (4, 3))
        np.testing.assert_array_equal(view.array, values)

    def test_nested_records_and_arrays(self):
        point = np.dtype([("x", "<f4"), ("y", "<f4")])
        dt = np.dtype([("id", "<u4"), ("tag", "S4"), ("at", point), ("path", point, (3,)),
                       ("hist", "<u2", (2, 3)), ("small", "i1"), ("flags", "u1", (3,)),
                       ("big", "<u8")])
        rng = np.random.default_rng(7)
        records = np.frombuffer(rng.bytes(dt.itemsize * 50), dtype=dt)
        for sealed in (False, True):
            seg = self.create(records, sealed=sealed)
            view = self.open(seg.handle if sealed else seg.name, dtype=dt)
            self.assertEqual(view.array.tobytes(), records.tobytes())

    def test_arrays_outlive_close_and_take_the_mapping_with_them(self):
        def mapped(path):
            with open("/proc/self/maps") as maps:
                return any(line.rstrip().endswith(path) for line in maps)

        seg = self.create(seed_rows(5))
        path = os.path.join("/dev/shm", seg.name)
        column = seg.array["val"]
        view = self.open(seg.name)
        rows = view.array
        seg.close()
        view.close()
        self.assertFalse(exists(seg.name))  # the name is gone at once
        with self.assertRaises(shmsafe.Closed):
            seg.array
        self.assertEqual(column[0], 1.0)  # the pages are still mapped under the arrays
        self.assertEqual(rows["character_col"][1], b"abc")
        self.assertTrue(mapped(path + " (deleted)"))
        del column, rows
        self.assertFalse(mapped(path + " (deleted)"))

    def test_a_dataframe_is_sent_to_to_records(self):
        class DataFrame:  # what matters is the method, not pandas itself
            def to_records(self):
                raise AssertionError("not called")

        with self.assertRaises(shmsafe.UnsupportedDtype) as caught:
            shmsafe.create(DataFrame())
        self.assertIn("to_records(index=False", str(caught.exception))

    def test_refused_dtypes_share_nothing(self):
        with mock.patch.object(_segment, "_create_named", side_effect=AssertionError), \
                mock.patch.object(_segment, "_create_sealed", side_effect=AssertionError):
            for bad in (np.array(["a"], dtype=object), np.zeros(2, dtype="?"),
                        np.zeros(2, dtype=[("u", "<U3")]), np.zeros((2, 2), dtype=">f8"),
                        np.float64(1.0)):
                with self.assertRaises(shmsafe.UnsupportedDtype):
                    shmsafe.create(bad)
                with self.assertRaises(shmsafe.UnsupportedDtype):
                    shmsafe.create(bad, sealed=True)


class Lifetime(Base):
    def run_python(self, code):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")
        return out.stdout.split()

    def test_normal_exit_removes_the_segment_and_no_tracker_runs(self):
        name, tracker = self.run_python("""
            import numpy as np, shmsafe
            from multiprocessing import resource_tracker
            seg = shmsafe.create(np.arange(5, dtype='<i8'))
            view = shmsafe.open(seg.name)
            print(seg.name, resource_tracker._resource_tracker._pid)
        """)
        self.assertEqual(tracker, "None")
        self.assertFalse(exists(name))

    def test_a_forked_child_leaves_its_parents_segment_alone(self):
        name, present = self.run_python("""
            import os, sys, numpy as np, shmsafe
            seg = shmsafe.create(np.arange(5, dtype='<i8'))
            pid = os.fork()
            if pid == 0:
                sys.exit(0)  # runs atexit and finalizers in the child
            os.waitpid(pid, 0)
            print(seg.name, os.path.exists('/dev/shm/' + seg.name))
        """)
        self.assertEqual(present, "True")
        self.assertFalse(exists(name))

    def test_collecting_the_creator_removes_the_segment(self):
        seg = shmsafe.create(np.arange(3, dtype="<i8"))
        name = seg.name
        del seg
        self.assertFalse(exists(name))

    def test_remove_cleans_up_after_a_killed_creator_and_nothing_else(self):
        name = self.forged(self.segment_bytes(seed_rows(3), state=_format.WRITING))
        shmsafe.remove(name)
        self.assertFalse(exists(name))
        with self.assertRaises(shmsafe.NotFound):
            shmsafe.remove(name)
        other = self.forged(b"\0" * 64)  # a segment another program made
        with self.assertRaises(shmsafe.NotShmsafe):
            shmsafe.remove(other)
        with self.assertRaises(shmsafe.TooSmall):
            shmsafe.remove(self.forged(b"SHMSAFE"))
        self.assertTrue(exists(other))


class Refusals(Base):
    def assert_refused(self, cls, what, *needles, **kw):
        with self.assertRaises(cls) as caught:
            shmsafe.open(what, **kw)
        self.assertIsInstance(caught.exception, shmsafe.Error)
        for needle in needles:
            self.assertIn(needle, str(caught.exception))
        return caught.exception

    def test_names_and_handles(self):
        self.assert_refused(shmsafe.NotFound, "shmsafe_0000000000000000",
                            "shmsafe_0000000000000000", "creator")
        for bad in ("", "/", "a/b", "a\0b", ".."):
            self.assert_refused(shmsafe.InvalidName, bad, "not a valid segment name")
        for bad in ("/proc/1/fd/3", "/proc/1/fd/x#0123456789abcdef", "/proc/1/fd/3#0123",
                    "/etc/passwd#0123456789abcdef"):
            self.assert_refused(shmsafe.InvalidHandle, bad, "not a sealed array handle")
        self.assertIsInstance(self.assert_refused(shmsafe.NotFound, "shmsafe_0000000000000000"),
                              FileNotFoundError)

    def test_files_that_are_not_plain_private_segments(self):
        good = self.segment_bytes(seed_rows(2))
        self.assert_refused(shmsafe.Untrusted, self.forged(good, 0o620), "mode 0620")
        target = self.forged(good)
        link = f"shmsafe_pytest_{secrets.token_hex(6)}"
        os.symlink(os.path.join("/dev/shm", target), os.path.join("/dev/shm", link))
        self.addCleanup(os.unlink, os.path.join("/dev/shm", link))
        self.assert_refused(shmsafe.NotARegularFile, link, "symbolic link")
        fifo = f"shmsafe_pytest_{secrets.token_hex(6)}"
        os.mkfifo(os.path.join("/dev/shm", fifo), 0o600)
        self.addCleanup(os.unlink, os.path.join("/dev/shm", fifo))
        self.assert_refused(shmsafe.NotARegularFile, fifo, "a FIFO (named pipe)")

    def test_forged_headers(self):
        rows = seed_rows(4)
        good = self.segment_bytes(rows)
        self.assertEqual(len(self.open(self.forged(good)).array), 4)  # the baseline opens
        self.assert_refused(shmsafe.TooSmall, self.forged(good[:63]), "63 bytes")
        self.assert_refused(shmsafe.NotShmsafe, self.forged(b"GARBAGE!" + good[8:]),
                            "47 41 52 42 41 47 45 21", "another program")
        self.assert_refused(shmsafe.UnsupportedVersion,
                            self.forged(self.segment_bytes(rows, version=1)), "version 1")
        cases = {
            "state": ({"state": 7}, "state word is 7"),
            "layout_len": ({"layout_len": 0}, "layout section is 0 bytes"),
            "layout_huge": ({"layout_len": 1 << 20}, "not between 1 and 65536"),
            "align": ({"record_align": 3}, "aligned to 3"),
            "offset": ({"data_offset": 64 * 9}, "start at offset 576"),
            "nonce": ({"nonce": 0}, "nonce is 0"),
        }
        for key, (fields, needle) in cases.items():
            with self.subTest(key):
                self.assert_refused(shmsafe.CorruptHeader,
                                    self.forged(self.segment_bytes(rows, **fields)), needle)
        self.assert_refused(shmsafe.Truncated, self.forged(good[:-1]), "needs")
        self.assert_refused(shmsafe.Truncated,
                            self.forged(self.segment_bytes(rows, len=5)), "5 records")
        self.assert_refused(shmsafe.CorruptHeader, self.forged(good + b"\0"), "exactly that size")

    def test_forged_layout_sections(self):
        rows = seed_rows(4)
        good = self.segment_bytes(rows)
        header = _format.Header(*_format.HEADER.unpack_from(good, 0))
        layout_end = 64 + header.layout_len

        def with_section(text):
            data = bytearray(good)
            raw = text.encode()
            self.assertLessEqual(len(raw), header.layout_len)
            data[64:layout_end] = raw.ljust(header.layout_len, b" ")
            return self.forged(data)

        display = shmsafe.describe(ROW).display
        for text, needle in (
            (display, "no newline"),
            (display + "\n" + '{"names": ["a"], "formats": ["O"], "offsets": [0], '
             '"itemsize": 24}', "no shmsafe writer"),
            (display + "\n{not json", "not a numpy dtype description"),
            (display + '\n"<i8"', "records of 8 bytes"),
        ):
            self.assert_refused(shmsafe.CorruptHeader, with_section(text), needle)
        data = bytearray(good)
        data[layout_end] = 1
        self.assert_refused(shmsafe.CorruptHeader, self.forged(data), "not zero")

    def test_layout_mismatch_names_both_layouts_without_control_characters(self):
        rows = seed_rows(4)
        name = self.forged(self.segment_bytes(rows))
        e = self.assert_refused(shmsafe.LayoutMismatch, name, "opened as Record {x: <f8 @0}",
                                "character_col: S6 @16", dtype=[("x", "<f8")])
        self.assertEqual(e.found_fingerprint, shmsafe.describe(ROW).fingerprint)
        # The segment's own text is shown with its control characters neutralised.
        data = bytearray(self.segment_bytes(rows))
        data[64:68] = b"\x1b[2J"
        e = self.assert_refused(shmsafe.LayoutMismatch, self.forged(data), "\\u{1b}[2J",
                                dtype=[("x", "<f8")])
        self.assertNotIn("\x1b", str(e))

    def test_unpublished_segments_say_whether_their_creator_lives(self):
        data = self.segment_bytes(seed_rows(4), state=_format.WRITING)
        name = self.forged(data)
        e = self.assert_refused(shmsafe.NotReady, name, "never published", "shmsafe.remove")
        self.assertFalse(e.creator_alive)
        self.assertFalse(e.creator_running)  # Rust's name for it
        fd = os.open(os.path.join("/dev/shm", name), os.O_RDONLY)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a live creator holds it
        e = self.assert_refused(shmsafe.NotReady, name, "still being written")
        self.assertTrue(e.creator_alive)

    def test_sealed_handles(self):
        seg = self.create(seed_rows(3), sealed=True)
        path, nonce = _segment.parse_handle(seg.handle)
        other = f"{path}#{nonce ^ 1:016x}"
        e = self.assert_refused(shmsafe.StaleHandle, other, "no longer names", f"{nonce:016x}")
        self.assertEqual(e.found, nonce)
        # A memfd with only some seals, and one with none.
        fd = os.memfd_create("pytest", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        self.addCleanup(os.close, fd)
        os.write(fd, self.segment_bytes(seed_rows(3)))
        handle = f"/proc/{os.getpid()}/fd/{fd}#{1:016x}"
        self.assert_refused(shmsafe.NotSealed, handle, "F_SEAL_WRITE")
        fcntl.fcntl(fd, _segment.F_ADD_SEALS, _segment.SEALS["F_SEAL_SHRINK"])
        e = self.assert_refused(shmsafe.NotSealed, handle, "F_SEAL_WRITE")
        self.assertNotIn("F_SEAL_SHRINK", e.missing)
        # A /dev/shm file is born with F_SEAL_SEAL alone: it can never be sealed.
        name = self.forged(self.segment_bytes(seed_rows(3)))
        fd2 = os.open(os.path.join("/dev/shm", name), os.O_RDONLY)
        self.addCleanup(os.close, fd2)
        self.assert_refused(shmsafe.NotSealed, f"/proc/{os.getpid()}/fd/{fd2}#{1:016x}",
                            "F_SEAL_WRITE")

    def test_space_is_reserved_or_refused(self):
        def full(fd, offset, length):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with mock.patch.object(os, "posix_fallocate", full):
            for sealed in (False, True):
                with self.assertRaises(shmsafe.NoSpace) as caught:
                    shmsafe.create(seed_rows(10), sealed=sealed)
                if not sealed:
                    self.assertFalse(exists(caught.exception.name))
        self.assertEqual(struct.calcsize("=8sIIQQQQIIII"), 64)


if __name__ == "__main__":
    unittest.main()
