//! Chapter 7: open an array with the wrong record type, and with the right one.

use shmsafe::{Error, SharedArray, ShmSafe};

// ANCHOR: solution
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

/// The same fields, the same size, in the other order.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Swapped {
    y: f32,
    x: f32,
}

/// The name of an error's variant, without its message (which names the segment).
fn variant(error: &Error) -> &'static str {
    match error {
        Error::LayoutMismatch { .. } => "LayoutMismatch",
        Error::NotFound { .. } => "NotFound",
        _ => "another error",
    }
}

pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let points = SharedArray::from_fn(3, |i| Point {
        x: i as f32,
        y: -(i as f32),
    })?;

    // SAFETY: `points` is published and this process never writes to it; no one
    // else knows its name.
    match unsafe { SharedArray::<Swapped>::open(points.name()) } {
        Ok(_) => println!("opened as Swapped: it should not have"),
        Err(e) => println!("opened as Swapped: Error::{}", variant(&e)),
    }
    // SAFETY: as above.
    let same = unsafe { SharedArray::<Point>::open(points.name())? };
    println!(
        "opened as Point: {} records, the last {:?}",
        same.len(),
        same[2]
    );

    let missing = format!("{}_gone", points.name());
    // SAFETY: no segment has this name, so there is nothing to read.
    match unsafe { SharedArray::<Point>::open(&missing) } {
        Ok(_) => println!("opened a name no one created: it should not have"),
        Err(e) => println!("opened a name no one created: Error::{}", variant(&e)),
    }
    Ok(())
}
// ANCHOR_END: solution
