// `open` maps read-only; an atomic in read-only memory cannot be used as one (a `fetch_add`
// faults, and even an `Acquire` load of read-only memory is undefined behaviour). Records with
// atomic fields are opened with `open_read_write`.
use shmsafe::{SharedArray, ShmSafe};
use std::sync::atomic::AtomicU64;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    hits: AtomicU64,
}

fn main() {
    let _ = unsafe { SharedArray::<Counter>::open("shmsafe_example") };
}
