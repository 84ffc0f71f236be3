//! Chapter 4: find the padding of a `#[repr(C)]` struct, then remove it.

use std::mem::{offset_of, size_of};

// ANCHOR: solution
#[repr(C)]
#[allow(dead_code)] // only its layout matters here
struct Loose {
    a: u8,
    b: u64,
    c: u16,
}

#[repr(C)]
#[allow(dead_code)]
struct Tight {
    b: u64,
    c: u16,
    a: u8,
    _pad: [u8; 5], // what is left of the 8-byte alignment, written out
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let fields = 1 + 8 + 2; // a, b, c
    println!(
        "Loose: a @{}, b @{}, c @{}, size {}: {} bytes of padding",
        offset_of!(Loose, a),
        offset_of!(Loose, b),
        offset_of!(Loose, c),
        size_of::<Loose>(),
        size_of::<Loose>() - fields
    );
    println!(
        "Tight: b @{}, c @{}, a @{}, _pad @{}, size {}: {} bytes of padding, in _pad",
        offset_of!(Tight, b),
        offset_of!(Tight, c),
        offset_of!(Tight, a),
        offset_of!(Tight, _pad),
        size_of::<Tight>(),
        size_of::<Tight>() - fields
    );
    Ok(())
}
// ANCHOR_END: solution
