use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Row<'a> {
    val: f64,
    name: &'a str,
}

fn main() {}
