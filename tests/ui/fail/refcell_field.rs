use std::cell::RefCell;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    id: u64,
    hits: RefCell<u64>,
}

fn main() {}
