// A generic record is checked where it is used with a concrete type.
use shmsafe::{SharedArray, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Pair<T> {
    left: T,
    right: T,
}

fn main() {
    let _ = SharedArray::from_fn(4, |_| Pair {
        left: String::new(),
        right: String::new(),
    });
}
