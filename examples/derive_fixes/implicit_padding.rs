//! The fix for `tests/ui/fail/implicit_padding.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    flag: u8,
    _pad: [u8; 7],
    val: f64,
}

/// Or reorder, largest alignment first; the tail still needs its padding written out.
#[derive(ShmSafe)]
#[repr(C)]
struct Reordered {
    val: f64,
    flag: u8,
    _pad: [u8; 7],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND, Reordered::KIND]
}
