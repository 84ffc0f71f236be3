use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Node {
    value: u64,
    payload: Box<[u8; 64]>,
}

fn main() {}
