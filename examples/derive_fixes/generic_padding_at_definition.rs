//! The fix for `tests/ui/fail/generic_padding_at_definition.rs`.

use std::marker::PhantomData;

use shmsafe::ShmSafe;

// ANCHOR: fix
/// The gap does not depend on `U`: write it out, and the record is shareable for every `U`.
#[derive(ShmSafe)]
#[repr(C)]
struct Id<U> {
    tag: u8,
    _pad: [u8; 7],
    raw: u64,
    _of: PhantomData<U>,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Id::<String>::KIND]
}
