// A slice has no size to store inline: one error, on the field.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Packet {
    len: u32,
    data: [u8],
}

fn main() {}
