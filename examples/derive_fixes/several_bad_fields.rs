//! The fix for `tests/ui/fail/several_bad_fields.rs`.

use shmsafe::FixedStr;
use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Trade {
    id: u64,
    price: f64,
    venue: FixedStr<8>,
    label: [u8; 16],
    cancelled: u8,
    has_counterparty: u8,
    _pad: [u8; 6],
    counterparty: u64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Trade::KIND]
}
