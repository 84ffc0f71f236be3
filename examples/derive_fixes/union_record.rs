//! The fix for `tests/ui/fail/union_record.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// The 8 bytes, to be read as `u64` or as `f64::from_bits(bits)`, as the reader decides.
#[derive(ShmSafe)]
#[repr(C)]
struct Value {
    bits: u64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Value::KIND]
}
