use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Flags {
    id: u32,
    active: bool,
    _pad: [u8; 3],
}

fn main() {}
