use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: String,
}

fn main() {}
