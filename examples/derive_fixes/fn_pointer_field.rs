//! The fix for `tests/ui/fail/fn_pointer_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Callback {
    id: u64,
    handler: u32, // a code; each process maps it to a function of its own
    _pad: [u8; 4],
}

fn handler(code: u32) -> Option<fn(u64) -> u64> {
    match code {
        0 => Some(|x| x + 1),
        1 => Some(|x| x * 2),
        _ => None,
    }
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Callback::KIND]
}

/// The handler codes work.
pub fn check() {
    assert_eq!(handler(1).map(|f| f(21)), Some(42));
    assert!(handler(7).is_none());
}
