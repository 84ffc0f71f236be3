use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Link<'a> {
    id: u64,
    next: &'a u64,
}

fn main() {}
