// Fully qualified field types, and a user who imported nothing but the derive.
#[derive(shmsafe::ShmSafe)]
#[repr(C)]
struct Row {
    a: ::core::primitive::u64,
    b: std::primitive::f64,
    c: [::core::primitive::i32; 2],
    d: ::std::sync::atomic::AtomicU32,
    e: shmsafe::FixedStr<4>,
}

fn main() {}
