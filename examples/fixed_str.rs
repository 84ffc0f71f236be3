//! `FixedStr<N>`: text in exactly `N` bytes, as numpy's `'SN'` stores it.
//!
//! ```text
//! cargo run --example fixed_str
//! ```

use shmsafe::{FixedStr, ShmSafe};

fn main() {
    // ANCHOR: fits
    // Text that fits is stored as its bytes, then NUL bytes up to N.
    let long = FixedStr::<6>::try_from("string").expect("6 bytes fit in 6");
    let short = FixedStr::<6>::try_from("abc").expect("3 bytes fit in 6");
    println!(
        "{long:?} is stored as b\"{}\"",
        long.as_raw().escape_ascii()
    );
    println!(
        "{short:?} is stored as b\"{}\"",
        short.as_raw().escape_ascii()
    );
    println!(
        "numpy calls FixedStr<6> {}",
        <FixedStr<6>>::KIND.numpy_dtype()
    );
    // ANCHOR_END: fits

    // ANCHOR: overflow
    // Text that does not fit: you choose. `try_from` refuses, with both lengths...
    match FixedStr::<6>::try_from("strings") {
        Ok(s) => println!("stored {s:?}"),
        Err(e) => println!("error: {e}"),
    }
    // ...and `truncating` keeps the longest prefix that ends on a character boundary.
    for text in ["strings", "naïveté", "日本語"] {
        let cut = FixedStr::<6>::truncating(text);
        println!(
            "truncating({text:?}) = {cut} ({} of {} bytes)",
            cut.len(),
            text.len()
        );
    }
    let cut = FixedStr::<5>::truncating("日本語");
    println!(
        "in 5 bytes, \"日本語\" keeps \"{cut}\": b\"{}\"",
        cut.as_raw().escape_ascii()
    );
    // ANCHOR_END: overflow

    // ANCHOR: foreign
    // Bytes written by another process may be anything: reading checks instead of assuming.
    let foreign = FixedStr::<6>::from_bytes([b'a', 0xff, b'b', 0, b'z', b'z']);
    println!("to_str:  {:?}", foreign.to_str().map_err(|e| e.to_string()));
    println!("Display: {foreign}");
    println!("Debug:   {foreign:?}");
    println!(
        "len {} (the text ends at the first NUL; the zz after it is not text)",
        foreign.len()
    );
    // ANCHOR_END: foreign
}
