//! Chapter 6: which city names fit in eight bytes, and what `truncating` keeps of the others.

use shmsafe::FixedStr;

// ANCHOR: solution
pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    for city in ["Oslo", "Zürich", "Reykjavík", "Montréal", "東京都"] {
        match FixedStr::<8>::try_from(city) {
            Ok(fits) => println!("{city:?}: fits ({} bytes)", fits.len()),
            Err(_) => {
                let kept = FixedStr::<8>::truncating(city);
                println!(
                    "{city:?}: {} bytes, too long; truncating keeps {:?} ({} bytes)",
                    city.len(),
                    kept.to_str()?,
                    kept.len()
                );
            }
        }
    }
    Ok(())
}
// ANCHOR_END: solution
