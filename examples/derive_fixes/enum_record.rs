//! The fix for `tests/ui/fail/enum_record.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// 0 = active, 1 = closed; any other code is reported as invalid data when read.
#[derive(ShmSafe, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
struct Status(pub u8);

impl Status {
    const ACTIVE: Status = Status(0);
    const CLOSED: Status = Status(1);
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Status::KIND]
}

/// The constants are distinct codes.
pub fn check() {
    assert!(Status::ACTIVE != Status::CLOSED);
}
