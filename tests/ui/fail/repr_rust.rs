use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(Rust)]
struct Row {
    date: i64,
    val: f64,
}

fn main() {}
