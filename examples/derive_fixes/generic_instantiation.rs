//! The fix for `tests/ui/fail/generic_instantiation.rs`.

use shmsafe::FixedStr;
use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Pair<T> {
    left: T,
    right: T,
}

type Names = Pair<FixedStr<8>>; // ShmSafe, because FixedStr<8> is
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Names::KIND]
}
