use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
union Value {
    int: u64,
    float: f64,
}

fn main() {}
