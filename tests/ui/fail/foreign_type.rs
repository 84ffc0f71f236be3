// A type from another crate that does not implement ShmSafe is refused at the field.
use std::time::Duration;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Job {
    id: u64,
    timeout: Duration,
}

fn main() {}
