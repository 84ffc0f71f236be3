//! The seed's record, its data and the work every worker does, defined once.
//!
//! The blog post this project starts from (*Python Shared Memory in Multiprocessing*, June 2020)
//! shares ten million rows of `(date, val, character_col)` between processes and has each worker
//! compute the nansum of `val`. This module is that record, that data and that sum, as the examples, the tests, the
//! benchmark and the book use them. A program pulls it in with
//!
//! ```text
//! #[path = "seed/mod.rs"] mod seed;                 // from an example in examples/
//! #[path = "../examples/seed/mod.rs"] mod seed;     // from tests/ or benches/
//! ```
//!
//! and the book includes its anchors (`row`, `records`, `nansum`).
//!
//! Any part of a program can make record `i` on its own (`row(i)`), so threads can fill an array
//! in parallel with it, and every program agrees on the data.

// Each program uses the part of the seed it needs, not all of it.
#![allow(dead_code)]

use shmsafe::{FixedStr, ShmSafe};

// ANCHOR: row
/// The seed's record: 24 bytes, laid out like numpy's
/// `[('date', '<i8'), ('val', '<f8'), ('name', 'S6')]`,
/// and two explicit bytes of padding.
#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Row {
    /// Nanoseconds since the Unix epoch.
    pub date: i64,
    /// 1.0 or NaN, alternating.
    pub val: f64,
    /// "string" or "abc", alternating: numpy's `'S6'`.
    pub name: FixedStr<6>,
    /// The two bytes that make 22 up to 24, written out:
    /// the derive refuses hidden padding.
    pub _pad: [u8; 2],
}
// ANCHOR_END: row

// ANCHOR: records
/// The first record's date: 2020-06-08 00:00 UTC, the day the seed's
/// blog post appeared, in nanoseconds since the Unix epoch.
pub const FIRST_DATE_NS: i64 = 1_591_574_400_000_000_000;

/// "string" and "abc" as numpy's `'S6'` stores them: NUL-padded to six bytes.
const NAMES: [FixedStr<6>; 2] = [
    FixedStr::from_bytes(*b"string"),
    FixedStr::from_bytes(*b"abc\0\0\0"),
];

/// Record `i` of the seed's data: dates one nanosecond apart, `val` 1.0
/// and NaN in turn, `name` "string" and "abc" in turn.
pub fn row(i: usize) -> Row {
    Row {
        date: FIRST_DATE_NS + i as i64,
        val: if i % 2 == 0 { 1.0 } else { f64::NAN },
        name: NAMES[i % 2],
        _pad: [0; 2],
    }
}
// ANCHOR_END: records

// ANCHOR: nansum
/// The work every worker does: the sum of `val`, NaNs skipped
/// (numpy's `np.nansum`).
pub fn nansum(rows: &[Row]) -> f64 {
    let mut sum = 0.0;
    for row in rows {
        let v = row.val;
        sum += if v.is_nan() { 0.0 } else { v };
    }
    sum
}

/// The answer: `val` is 1.0 in the even-numbered records, so half the
/// rows, rounded up.
pub fn expected_nansum(rows: usize) -> f64 {
    rows.div_ceil(2) as f64
}
// ANCHOR_END: nansum
