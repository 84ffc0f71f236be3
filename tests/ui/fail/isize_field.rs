use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Delta {
    change: isize,
    value: f64,
}

fn main() {}
