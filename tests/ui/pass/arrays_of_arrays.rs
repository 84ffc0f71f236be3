use shmsafe::{FixedStr, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Image {
    pixels: [[[u8; 4]; 8]; 8],
    labels: [FixedStr<12>; 2],
    matrix: [[f64; 3]; 3],
}

fn main() {
    assert_eq!(size_of::<Image>(), 256 + 24 + 72);
}
