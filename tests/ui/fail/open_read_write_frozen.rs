// Read-write mappings are for records with atomics; plain records are opened read-only.
use shmsafe::{SharedArray, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    val: f64,
}

fn main() {
    let _ = unsafe { SharedArray::<Row>::open_read_write("shmsafe_example") };
}
