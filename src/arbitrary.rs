//! Property testing your own readers: arbitrary values of any `ShmSafe` type, built from
//! arbitrary bytes, which is exactly what another process could have written.
//!
//! Enabled by the `proptest` cargo feature.
//!
//! ```
//! use proptest::prelude::*;
//! use shmsafe::{FixedStr, ShmSafe};
//!
//! #[derive(ShmSafe, Debug, Clone, Copy)]
//! #[repr(C)]
//! struct Row {
//!     val: f64,
//!     name: FixedStr<8>,
//! }
//!
//! proptest!(|(row in shmsafe::arbitrary::any_bytes::<Row>())| {
//!     // A reader must cope with NaN, infinities and text that is not UTF-8.
//!     let _ = (row.val.is_nan(), row.name.to_string());
//! });
//! ```

use core::fmt::Debug;

use proptest::prelude::*;

use crate::safe::ShmSafe;

/// A strategy for values of `T` made from arbitrary bytes: every bit pattern, including NaNs,
/// text that is not UTF-8 and sizes that make no sense, as another process may write them.
///
/// Shrinking works on the bytes, so failures shrink towards zeroed values.
pub fn any_bytes<T: ShmSafe + Debug>() -> impl Strategy<Value = T> {
    const { crate::assert_layout::<T>() };
    proptest::collection::vec(any::<u8>(), size_of::<T>()).prop_map(|bytes| {
        crate::read_from_bytes(&bytes).expect("the vector has size_of::<T>() bytes")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedStr;

    #[derive(crate::ShmSafe, Debug)]
    #[repr(C)]
    struct Row {
        date: i64,
        val: f64,
        name: FixedStr<6>,
        _pad: [u8; 2],
    }

    proptest! {
        #[test]
        fn arbitrary_rows_round_trip_through_bytes(row in any_bytes::<Row>()) {
            let bytes = crate::as_bytes(&row).to_vec();
            let back: Row = crate::read_from_bytes(&bytes).unwrap();
            prop_assert_eq!(crate::as_bytes(&back), &bytes[..]);
            prop_assert!(row.name.len() <= 6);
        }
    }

    #[test]
    fn the_strategy_reaches_invalid_text() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = any_bytes::<Row>();
        let bad_text = (0..200).any(|_| {
            let row = strategy.new_tree(&mut runner).unwrap().current();
            row.name.to_str().is_err()
        });
        assert!(bad_text, "arbitrary bytes should produce non-UTF-8 names");
    }
}
