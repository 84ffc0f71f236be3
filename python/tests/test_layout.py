"""Layouts: fingerprints, layout text and dtype text as Rust writes them; dtypes refused."""

import json
import sys
import unittest

import numpy as np

import shmsafe
from shmsafe import _layout
from shmsafe._layout import Array, Bytes, Field, Float, Int, Layout, Record

E = "<" if sys.byteorder == "little" else ">"
INNER = Layout("Inner", 8, 4, (Field("a", 0, 4, Float(4)), Field("b", 4, 4, Bytes(4))))


class Fingerprints(unittest.TestCase):
    def test_fnv_matches_the_published_test_vector(self):
        self.assertEqual(_layout.fnv1a(b"a"), 0xAF63DC4C8601EC8C)

    def test_fingerprint_is_rusts_pinned_value(self):
        # src/layout.rs pins this value for INNER on little-endian targets.
        if sys.byteorder == "little":
            self.assertEqual(_layout.fingerprint(Record(INNER), 8, 4), 0x19E62DA05A81D6CF)
        self.assertNotEqual(
            _layout.fingerprint(Record(INNER), 8, 4), _layout.fingerprint(Record(INNER), 8, 8)
        )

    def test_a_dtype_gets_the_fingerprint_of_the_same_layout(self):
        d = shmsafe.describe({"names": ["a", "b"], "formats": ["<f4", "S4"], "offsets": [0, 4],
                              "itemsize": 8})
        self.assertEqual(d.kind, Record(Layout("Record", 8, 4, INNER.fields)))
        self.assertEqual(d.fingerprint, _layout.fingerprint(Record(INNER), 8, 4))

    def test_every_difference_changes_the_fingerprint(self):
        base = shmsafe.describe([("a", "<i8"), ("b", "<f8")]).fingerprint
        for other in (
            [("a", "<u8"), ("b", "<f8")],
            [("a", "<i8"), ("c", "<f8")],
            [("a", "<i8"), ("b", "<i8")],
            [("b", "<f8"), ("a", "<i8")],
            [("a", "<i8"), ("b", "<f8"), ("c", "u1", (8,))],
            [("a", "<i8"), ("b", "<f4", (2,))],
        ):
            self.assertNotEqual(shmsafe.describe(other).fingerprint, base, other)

    def test_datetimes_are_their_integers(self):
        for unit in ("ns", "us", "s"):
            self.assertEqual(
                shmsafe.describe([("d", f"<M8[{unit}]")]).fingerprint,
                shmsafe.describe([("d", "<i8")]).fingerprint,
            )
        self.assertEqual(shmsafe.describe("<m8[ns]").dtype_text, '"<i8"')


class Text(unittest.TestCase):
    def test_the_seed_row_reads_as_rust_writes_it(self):
        d = shmsafe.describe(
            [("date", "<i8"), ("val", "<f8"), ("name", "S6"), ("_pad", "u1", (2,))]
        )
        # Layout::numpy_dtype's own doc example.
        self.assertEqual(
            d.dtype_text,
            '{"names": ["date", "val", "name", "_pad"], "formats": ["<i8", "<f8", "S6", '
            '"(2,)u1"], "offsets": [0, 8, 16, 22], "itemsize": 24}',
        )
        self.assertEqual(
            d.display,
            "Record {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} "
            "(24 bytes, align 8)",
        )

    def test_plain_values_arrays_and_nesting(self):
        self.assertEqual(shmsafe.describe("<f8").display, "<f8 (8 bytes)")
        self.assertEqual(shmsafe.describe("S6").dtype_text, '"S6"')
        self.assertEqual(shmsafe.describe("u1").dtype_text, '"u1"')
        inner = np.dtype([("a", "<f4"), ("b", "S4")])
        d = shmsafe.describe([("inner", inner), ("many", inner, (2,)), ("hist", "<i2", (2, 3))])
        inner_text = (
            '{"names": ["a", "b"], "formats": ["<f4", "S4"], "offsets": [0, 4], "itemsize": 8}'
        )
        self.assertEqual(
            d.dtype_text,
            f'{{"names": ["inner", "many", "hist"], "formats": [{inner_text}, [{inner_text}, '
            f'[2]], "(2,3)<i2"], "offsets": [0, 8, 24], "itemsize": 36}}',
        )
        self.assertEqual(
            d.display,
            "Record {inner: Record {a: <f4 @0, b: S4 @4} (8 bytes, align 4) @0, many: (2,)Record "
            "{a: <f4 @0, b: S4 @4} (8 bytes, align 4) @8, hist: (2,3)<i2 @24} (36 bytes, align 4)",
        )
        self.assertEqual(
            d.kind.layout.fields[1].kind, Array(Record(d.kind.layout.fields[0].kind.layout), 8, 2)
        )
        self.assertEqual(d.kind.layout.fields[2].kind, Array(Array(Int(True, 2), 2, 3), 6, 2))
        # The text builds the same dtype back.
        self.assertEqual(_layout.dtype_from_text(d.dtype_text), d.dtype)
        self.assertEqual(shmsafe.describe("u1").display, "u1 (1 bytes)")
        self.assertEqual(shmsafe.describe([("x", "u1")]).display,
                         "Record {x: u1 @0} (1 byte, align 1)")

    def test_trailing_padding_becomes_an_explicit_pad_field(self):
        packed = np.dtype([("date", "<M8[ns]"), ("val", "<f8"), ("character_col", "S6")])
        self.assertEqual(packed.itemsize, 22)
        d = shmsafe.describe(packed)
        self.assertTrue(d.padded)
        self.assertEqual(d.size, 24)
        self.assertEqual(d.dtype.names, ("date", "val", "character_col", "_pad"))
        self.assertEqual(d.dtype["date"], np.dtype("<M8[ns]"))  # the caller's type is kept
        aligned = np.dtype([("a", "<f8"), ("b", "u1")], align=True)
        self.assertEqual(shmsafe.describe(aligned).dtype.fields["_pad"][1:], (9,))
        exact = shmsafe.describe([("a", "<f8"), ("b", "u1", (8,))])
        self.assertFalse(exact.padded)


class Refused(unittest.TestCase):
    def refused(self, dtype, *needles):
        with self.assertRaises(shmsafe.UnsupportedDtype) as caught:
            shmsafe.describe(dtype)
        for needle in needles:
            self.assertIn(needle, str(caught.exception))
        self.assertIsInstance(caught.exception, TypeError)
        return caught.exception

    def test_what_no_repr_c_record_holds(self):
        self.refused([("a", "O")], "`a`", "pointers", "'SN'")
        self.refused([("s", "<U6")], "`s`", "'S6'", "FixedStr<6>")
        self.refused([("ok", "u1"), ("flag", "?")], "`flag`", "bool", "'u1'")
        self.refused([("x", ">f8")], "big-endian", "astype('<f8')")
        self.refused([("c", "<c16")], "complex", "('<f8', (2,))")
        self.refused([("h", "<f2")], "16-bit float", "'<f4'")
        self.refused([("v", "V4")], "('_pad', 'u1', (4,))")
        self.refused([("s", "S0")], "holds no bytes")
        self.refused([("o", [("deep", "O")])], "`o.deep`", "pointers")
        self.refused([("o", "O", (2,))], "`o`", "pointers")
        self.refused([], "no fields")

    def test_layouts_no_repr_c_record_has(self):
        e = self.refused(
            {"names": ["a", "b"], "formats": ["u1", "<f8"], "offsets": [0, 1], "itemsize": 9},
            "`b`", "offset 1", "alignment 8", "widest fields first",
        )
        self.assertEqual(e.field, "b")
        self.refused(
            {"names": ["a", "b"], "formats": ["<i8", "<i4"], "offsets": [0, 4], "itemsize": 12},
            "`b`", "overlap",
        )
        self.refused(
            np.dtype([("a", "u1"), ("b", "<f8")], align=True),
            "7 bytes of implicit padding", "`a`", "`b`", "('_pad1', 'u1', (7,))", "[u8; 7]",
        )
        self.refused(
            {"names": ["b", "a"], "formats": ["<i4", "<i4"], "offsets": [4, 0], "itemsize": 8},
            "offset order",
        )
        inner = np.dtype([("a", "<f8"), ("b", "u1")], align=True)
        self.refused([("inner", inner)], "nested record", "('_pad', 'u1', (7,))")
        self.refused([("my col", "<i8")], "Rust field")
        # An unaligned field is refused before any padding is added.
        self.refused([("a", "u1"), ("_pad", "<i8")], "`_pad`", "offset 1")

    def test_pad_name_taken(self):
        self.refused(
            {"names": ["_pad", "x"], "formats": ["u1", "<i8"], "offsets": [0, 8],
             "itemsize": 17},
            "implicit padding",
        )
        self.refused([("x", "<i8"), ("_pad", "u1")], "named `_pad`")

    def test_forged_descriptions_never_reach_numpy_as_objects(self):
        for text in ('"O"', '{"names": ["a"], "formats": ["O"], "offsets": [0], "itemsize": 8}',
                     '[{"names": ["a"], "formats": ["O"], "offsets": [0], "itemsize": 8}, [1]]',
                     '">i8"', '"<U2"', '"?"'):
            with self.assertRaises(shmsafe.CorruptHeader, msg=text):
                _layout.segment_dtype(text, np.dtype(_layout._with_tuples(json.loads(text)))
                                      .itemsize, "x")
        with self.assertRaises(shmsafe.CorruptHeader):
            _layout.segment_dtype('{"names": 1}', 8, "x")
        with self.assertRaises(shmsafe.CorruptHeader):
            _layout.segment_dtype('"<i8"', 4, "x")


if __name__ == "__main__":
    unittest.main()
