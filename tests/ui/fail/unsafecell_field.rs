use std::cell::UnsafeCell;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    id: u64,
    hits: UnsafeCell<u64>,
}

fn main() {}
