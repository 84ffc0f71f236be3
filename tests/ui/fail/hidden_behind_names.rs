// What syntax cannot see is caught by the trait bound, once per field and on the field: a
// type named like a primitive, an associated type, a nested struct without the derive.
use shmsafe::ShmSafe;

#[allow(non_camel_case_types, dead_code)]
struct f64(String);

trait Storage {
    type Slot;
}
impl Storage for u8 {
    type Slot = Vec<u8>;
}

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    val: f64,
    slot: <u8 as Storage>::Slot,
    count: u64,
}

fn main() {}
