use std::sync::Mutex;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Guarded {
    value: Mutex<u64>,
}

fn main() {}
