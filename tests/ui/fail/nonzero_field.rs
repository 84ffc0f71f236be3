use std::num::NonZeroU32;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Account {
    id: NonZeroU32,
    balance: u32,
}

fn main() {}
