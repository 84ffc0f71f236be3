//! The fix for `tests/ui/fail/enum_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Buy,
    Sell,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Order {
    price: f64,
    side: u32, // 0 = buy, 1 = sell
    quantity: u32,
}

impl Order {
    /// The side, or `None` for a code no variant has.
    fn side(&self) -> Option<Side> {
        match self.side {
            0 => Some(Side::Buy),
            1 => Some(Side::Sell),
            _ => None,
        }
    }
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Order::KIND]
}

/// Codes become variants, and unknown codes are refused.
pub fn check() {
    let order = |side| Order {
        price: 1.5,
        side,
        quantity: 10,
    };
    assert_eq!(order(0).side(), Some(Side::Buy));
    assert_eq!(order(1).side(), Some(Side::Sell));
    assert_eq!(order(2).side(), None);
    assert_eq!((order(0).price, order(0).quantity), (1.5, 10));
}
