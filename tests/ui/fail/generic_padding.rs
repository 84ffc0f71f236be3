// A generic record's padding depends on its parameters, so it is checked where it is used.
use shmsafe::{SharedArray, ShmSafe};

#[derive(ShmSafe, Clone, Copy)]
#[repr(C)]
struct Tagged<T> {
    tag: u8,
    value: T,
}

fn main() {
    // Tagged<u8> has no padding; Tagged<u64> has 7 bytes of it.
    let _ = SharedArray::from_slice(&[Tagged { tag: 1u8, value: 2u8 }]);
    let _ = SharedArray::from_slice(&[Tagged { tag: 1u8, value: 2u64 }]);
    // Viewing one as bytes would read its padding: refused the same way.
    let _ = shmsafe::as_bytes(&Tagged { tag: 1u8, value: 2u16 });
}
