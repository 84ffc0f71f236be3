// A deprecated record: the generated code does not trip the lint (only the user's own uses
// do, and `main` allows them).
#![deny(warnings)]

use shmsafe::ShmSafe;

#[deprecated = "use Row2"]
#[derive(ShmSafe)]
#[repr(C)]
pub struct Row {
    val: f64,
}

#[deprecated]
#[derive(ShmSafe)]
#[repr(C)]
pub struct Pair<T> {
    left: T,
    right: T,
}

#[allow(deprecated)]
fn main() {
    assert_eq!(Row::KIND.numpy_dtype(), r#"{"names": ["val"], "formats": ["<f8"], "offsets": [0], "itemsize": 8}"#);
    let _ = (Row { val: 1.0 }.val, Pair { left: 1u8, right: 2 });
    shmsafe::assert_layout::<Pair<u32>>();
}
