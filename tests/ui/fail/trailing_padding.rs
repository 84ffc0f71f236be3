// The seed's record: 22 bytes of fields in a 24-byte record.
use shmsafe::{FixedStr, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
}

fn main() {}
