use std::cell::Cell;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    id: u64,
    hits: Cell<u64>,
}

fn main() {}
