//! Chapter 5: turn a record that cannot be shared into one that can.

use shmsafe::{FixedStr, ShmSafe};

// ANCHOR: solution
// Before:
//     struct Reading { sensor: String, ok: bool, at: usize, value: f32 }
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
pub struct Reading {
    pub at: u64,             // usize -> u64: the same width in every process
    pub value: f32,          // already fine
    pub sensor: FixedStr<3>, // String -> FixedStr<3>: the text inside the record
    pub ok: u8,              // bool -> u8 (0 or 1), checked when read
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    println!("{}", Reading::KIND);
    println!("fingerprint {:016x}", Reading::FINGERPRINT);
    Ok(())
}
// ANCHOR_END: solution
