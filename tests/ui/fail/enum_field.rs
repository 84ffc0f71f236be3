// An enum the derive cannot see by name is caught by the trait bound on the field.
use shmsafe::ShmSafe;

#[allow(dead_code)]
#[derive(Clone, Copy)]
#[repr(u32)]
enum Side {
    Buy,
    Sell,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Order {
    price: f64,
    side: Side,
    quantity: u32,
}

fn main() {}
