use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Slot {
    index: usize,
    value: f64,
}

fn main() {}
