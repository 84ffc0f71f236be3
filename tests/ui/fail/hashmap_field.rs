use std::collections::HashMap;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Index {
    version: u64,
    entries: HashMap<u64, u64>,
}

fn main() {}
