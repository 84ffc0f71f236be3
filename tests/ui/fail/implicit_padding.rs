use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    flag: u8,
    val: f64,
}

fn main() {}
