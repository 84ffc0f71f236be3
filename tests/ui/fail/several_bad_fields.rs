// Every bad field is reported in the same compile.
use shmsafe::ShmSafe;

type Label = Vec<u8>;

#[derive(ShmSafe)]
#[repr(C)]
struct Trade {
    id: usize,
    price: f64,
    venue: String,
    label: Label,
    cancelled: bool,
    counterparty: Option<u64>,
}

fn main() {}
