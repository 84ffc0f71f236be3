//! Chapter 10: copy records out of shared memory and validate them before relying on them.

use shmsafe::{SharedArray, ShmSafe};

// ANCHOR: solution
/// What another process shares: `side` should be 0 (buy) or 1 (sell), but any
/// byte can be there.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Order {
    id: u64,
    quantity: u32,
    side: u8,
    _pad: [u8; 3],
}

/// What this program works with, once checked: a `Side` can only be one of two.
#[derive(Debug)]
#[allow(dead_code)] // read only by `Debug`, which dead-code analysis does not count
enum Side {
    Buy,
    Sell,
}

#[derive(Debug)]
#[allow(dead_code)]
struct CheckedOrder {
    id: u64,
    quantity: u32,
    side: Side,
}

fn check(order: Order) -> Result<CheckedOrder, String> {
    let side = match order.side {
        0 => Side::Buy,
        1 => Side::Sell,
        other => {
            return Err(format!(
                "order {}: side {other} is neither buy nor sell",
                order.id
            ));
        }
    };
    if order.quantity == 0 {
        return Err(format!("order {}: quantity 0", order.id));
    }
    Ok(CheckedOrder {
        id: order.id,
        quantity: order.quantity,
        side,
    })
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    // A writer with a bug: order 2 has side 2, order 3 a quantity of 0.
    let shared = SharedArray::from_fn(5, |i| Order {
        id: i as u64,
        quantity: if i == 3 { 0 } else { 10 * i as u32 + 1 },
        side: if i == 2 { 2 } else { (i % 2) as u8 },
        _pad: [0; 3],
    })?;

    // SAFETY: `shared` is published and never written again; no one else knows
    // its name.
    let orders = unsafe { SharedArray::<Order>::open(shared.name())? };
    // Copy each record out (`Order` is `Copy`), then check the copy: the bytes in
    // the segment could change after the check, the copy cannot.
    for order in orders.iter().copied() {
        match check(order) {
            Ok(checked) => println!("ok:      {checked:?}"),
            Err(why) => println!("refused: {why}"),
        }
    }
    Ok(())
}
// ANCHOR_END: solution
