// Without #[repr(C)] the compiler chooses the field order, and two builds may disagree.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
struct Row {
    date: i64,
    val: f64,
}

fn main() {}
