// A nested record must derive ShmSafe too.
use shmsafe::ShmSafe;

#[repr(C)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Segment {
    from: Point,
    to: Point,
}

fn main() {}
