use shmsafe::ShmSafe;

#[derive(ShmSafe, Clone, Copy)]
#[repr(C)]
struct Row {
    flag: u8,
    _pad: [u8; 7],
    val: f64,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Empty {}

#[derive(ShmSafe)]
#[repr(C)]
struct Unit;

fn main() {
    assert_eq!(shmsafe::as_bytes(&Row { flag: 1, _pad: [0; 7], val: 0.0 })[0], 1);
}
