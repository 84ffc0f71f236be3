use shmsafe::{FixedStr, ShmSafe};

#[derive(ShmSafe, Clone, Copy)]
#[repr(transparent)]
struct Meters(f64);

#[derive(ShmSafe)]
#[repr(transparent)]
struct Ticker {
    symbol: FixedStr<8>,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Position {
    ticker: Ticker,
    distance: Meters,
}

fn main() {
    assert_eq!(size_of::<Position>(), 16);
}
