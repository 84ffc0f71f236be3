use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Callback {
    id: u64,
    handler: fn(u64) -> u64,
}

fn main() {}
