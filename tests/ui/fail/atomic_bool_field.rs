use std::sync::atomic::{AtomicBool, AtomicUsize};

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct State {
    ready: AtomicBool,
    count: AtomicUsize,
}

fn main() {}
