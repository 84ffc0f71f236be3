#![deny(missing_docs)]
//! Doc comments, other derives and attributes coexist with the derive.

use shmsafe::{FixedStr, ShmSafe};

/// A trade, as the exchange reports it.
#[derive(ShmSafe, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(8))]
pub struct Trade {
    /// Nanoseconds since the epoch.
    pub time: i64,
    /// The price, in the quote currency.
    pub price: f64,
    /// The venue's code.
    #[allow(unused)]
    pub venue: FixedStr<8>,
}

fn main() {
    let t = Trade::default();
    assert_eq!(format!("{:?}", t.venue), "\"\"");
}
