use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Series {
    start: i64,
    samples: Vec<f32>,
}

fn main() {}
