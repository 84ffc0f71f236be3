use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Buffer {
    data: *const u8,
    len: u64,
}

fn main() {}
