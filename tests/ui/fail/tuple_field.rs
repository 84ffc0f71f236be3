use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Point {
    id: u64,
    xy: (f64, f64),
}

fn main() {}
