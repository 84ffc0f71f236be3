use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Reading {
    sensor: u64,
    value: Option<f64>,
}

fn main() {}
