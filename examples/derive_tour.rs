//! A tour of `#[derive(ShmSafe)]`: the seed's record, a newtype, a nested record and a record of
//! atomics, each printed with the layout the derive describes and its fingerprint.
//!
//! ```text
//! cargo run --example derive_tour
//! ```

use std::sync::atomic::{AtomicU32, AtomicU64};

use shmsafe::{FixedStr, ShmSafe};

// The seed's record, `Row`, is defined once for every example, in `examples/seed/mod.rs`.
#[path = "seed/mod.rs"]
mod seed;
use seed::Row;

// ANCHOR: more
/// A tuple struct: fields are named 0, 1, ...
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(transparent)]
struct Nanos(i64);

/// Records nest; arrays of anything `ShmSafe` are `ShmSafe`.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Trade {
    at: Nanos,
    price: f64,
    quantity: u32,
    venue: FixedStr<4>,
    fees: [f64; 2],
}

/// Atomics are the one way to share mutable state; the derive records that the type has some.
#[derive(ShmSafe, Debug)]
#[repr(C)]
struct Progress {
    done: AtomicU64,
    failed: AtomicU32,
    worker: u32,
}
// ANCHOR_END: more

// ANCHOR: fingerprints
/// The same fields in another order: another layout.
#[derive(ShmSafe, Clone, Copy)]
#[repr(C)]
struct Swapped {
    val: f64,
    date: i64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

mod elsewhere {
    /// The same definition in another module (or another program): the same layout. The type's
    /// name is not part of the fingerprint, its fields are.
    #[derive(shmsafe::ShmSafe, Clone, Copy)]
    #[repr(C)]
    pub struct Record {
        pub date: i64,
        pub val: f64,
        pub name: shmsafe::FixedStr<6>,
        pub _pad: [u8; 2],
    }
}
// ANCHOR_END: fingerprints

// ANCHOR: main
fn main() {
    println!("{}", Row::KIND);
    println!("{}", Nanos::KIND);
    println!("{}", Trade::KIND);
    println!("{}", Progress::KIND);
    println!();
    println!(
        "fingerprint of Row:               {:016x}",
        Row::FINGERPRINT
    );
    println!(
        "fingerprint of elsewhere::Record: {:016x}",
        elsewhere::Record::FINGERPRINT
    );
    println!(
        "fingerprint of Swapped:           {:016x}",
        Swapped::FINGERPRINT
    );
    println!();
    println!("numpy dtype of Row: {}", Row::KIND.numpy_dtype());
}
// ANCHOR_END: main
