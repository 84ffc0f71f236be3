//! Byte views: the payoff of the `ShmSafe` rules.
//!
//! A `ShmSafe` value has no padding and accepts every bit pattern, so its bytes can be viewed
//! and a value can be read back from any bytes of the right size without `unsafe`. Borrowed
//! views need [`Immutable`] (no atomics): bytes read while another thread stores to an atomic
//! are a data race. A copy ([`read_from_bytes`]) works for every `ShmSafe` type.
//!
//! Every function here forces the layout checks of a generic record's instantiation
//! ([`assert_layout`](crate::assert_layout)) in its own body, so that a padding error points at
//! the caller's line.

use core::any::type_name;
use core::mem::MaybeUninit;

use crate::error::Error;
use crate::safe::{Immutable, ShmSafe, assert_layout};

/// The bytes of a value.
///
/// ```
/// let bytes = shmsafe::as_bytes(&0x0102_0304_u32);
/// assert_eq!(bytes, 0x0102_0304_u32.to_ne_bytes());
/// ```
pub fn as_bytes<T: Immutable>(value: &T) -> &[u8] {
    // Here as well as in `slice_as_bytes`, so that a padding error names the caller's line.
    const { assert_layout::<T>() };
    slice_as_bytes(core::slice::from_ref(value))
}

/// The bytes of a slice of values.
pub fn slice_as_bytes<T: Immutable>(values: &[T]) -> &[u8] {
    const { assert_layout::<T>() };
    // SAFETY: `T: ShmSafe` has no padding, so all `size_of_val(values)` bytes are initialised;
    // `T: Immutable` has no interior mutability, so they cannot change while borrowed. `u8` has
    // alignment 1, and the length is the slice's size in bytes.
    unsafe { core::slice::from_raw_parts(values.as_ptr().cast::<u8>(), size_of_val(values)) }
}

/// The bytes of a slice of values, writable: any bytes written there read back as valid
/// values, since every bit pattern of a `ShmSafe` type is valid.
///
/// ```
/// let mut words = [0_u32; 2];
/// shmsafe::slice_as_bytes_mut(&mut words).fill(0xff);
/// assert_eq!(words, [u32::MAX; 2]);
/// ```
pub fn slice_as_bytes_mut<T: Immutable>(values: &mut [T]) -> &mut [u8] {
    const { assert_layout::<T>() };
    // SAFETY: as in `slice_as_bytes`: every byte is initialised and part of a value. The bytes
    // are borrowed uniquely through `&mut`, and any bytes written to them form valid values of
    // `T` (every bit pattern is valid), so the values stay valid.
    unsafe {
        core::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), size_of_val(values))
    }
}

/// A value whose bytes are all zero: valid for every `ShmSafe` type.
///
/// ```
/// let zero: [f64; 3] = shmsafe::zeroed();
/// assert_eq!(zero, [0.0; 3]);
/// ```
pub fn zeroed<T: ShmSafe>() -> T {
    const { assert_layout::<T>() };
    // SAFETY: every bit pattern of a `ShmSafe` type is a valid value, all zeros included.
    unsafe { MaybeUninit::zeroed().assume_init() }
}

/// A `Vec` of `len` zeroed values, allocated zeroed (`calloc`): for a large vector the OS
/// provides zero pages lazily, so the values cost nothing until written. Useful to read records
/// into, through [`slice_as_bytes_mut`].
///
/// # Panics
///
/// If `len` values of `T` exceed `isize::MAX` bytes, and aborts if the allocation fails, as
/// `Vec::with_capacity` does.
pub fn zeroed_vec<T: ShmSafe>(len: usize) -> Vec<T> {
    const { assert_layout::<T>() };
    let layout = std::alloc::Layout::array::<T>(len).expect("the vector is too large");
    if layout.size() == 0 {
        let mut v = Vec::new();
        v.resize_with(len, zeroed);
        return v;
    }
    // SAFETY: `layout` has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `[T; len]`, so
    // with `T`'s alignment and capacity `len`; its `len` values are zeroed, which is a valid `T`.
    unsafe { Vec::from_raw_parts(ptr.cast::<T>(), len, len) }
}

/// Borrows bytes as a value.
///
/// # Errors
///
/// [`Error::WrongByteLength`] unless `bytes` is exactly `size_of::<T>()` long, and
/// [`Error::Misaligned`] unless it starts at an address aligned for `T`.
///
/// ```
/// let word = 7_u64.to_ne_bytes();
/// // A `[u8; 8]` on the stack may not be aligned for u64: copy it out instead.
/// assert_eq!(shmsafe::read_from_bytes::<u64>(&word)?, 7);
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub fn ref_from_bytes<T: Immutable>(bytes: &[u8]) -> Result<&T, Error> {
    const { assert_layout::<T>() };
    check_len::<T>(bytes, 1, || format!("`{}`", type_name::<T>()))?;
    check_align::<T>(bytes)?;
    // SAFETY: length and alignment were checked above; every bit pattern is a valid `T`
    // (`ShmSafe`), and `T: Immutable` means the shared borrow of the bytes is not mutated
    // through the returned reference.
    Ok(unsafe { &*bytes.as_ptr().cast::<T>() })
}

/// Borrows bytes as a slice of values.
///
/// # Errors
///
/// [`Error::WrongByteLength`] unless the length of `bytes` is a multiple of `size_of::<T>()`,
/// and [`Error::Misaligned`] unless it starts at an address aligned for `T`.
pub fn slice_from_bytes<T: Immutable>(bytes: &[u8]) -> Result<&[T], Error> {
    const { assert_layout::<T>() };
    let size = size_of::<T>();
    if size == 0 {
        // Any number of zero-sized values fit in no bytes; there is no way to tell how many.
        check_len::<T>(bytes, 0, || format!("a slice of `{}`", type_name::<T>()))?;
        return Ok(&[]);
    }
    let count = bytes.len() / size;
    if bytes.len() % size != 0 {
        return Err(Error::WrongByteLength {
            what: format!("a slice of `{}`", type_name::<T>()),
            expected: count * size,
            found: bytes.len(),
        });
    }
    check_align::<T>(bytes)?;
    // SAFETY: the bytes hold exactly `count` values of `T` at an aligned address (checked
    // above); every bit pattern is a valid `T`, and `T: Immutable` keeps the borrow read-only.
    Ok(unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), count) })
}

/// Copies a value out of bytes at any alignment. Works for every `ShmSafe` type, atomics
/// included, because the result is owned.
///
/// # Errors
///
/// [`Error::WrongByteLength`] unless `bytes` is exactly `size_of::<T>()` long.
pub fn read_from_bytes<T: ShmSafe>(bytes: &[u8]) -> Result<T, Error> {
    const { assert_layout::<T>() };
    check_len::<T>(bytes, 1, || format!("`{}`", type_name::<T>()))?;
    let mut value = MaybeUninit::<T>::uninit();
    // SAFETY: `bytes` has exactly `size_of::<T>()` bytes (checked above) and does not overlap
    // the fresh `value`; a byte-wise copy has no alignment requirement.
    unsafe {
        core::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            value.as_mut_ptr().cast::<u8>(),
            size_of::<T>(),
        );
    }
    // SAFETY: every byte of `value` was written, and every bit pattern is a valid `T`.
    Ok(unsafe { value.assume_init() })
}

fn check_len<T>(bytes: &[u8], count: usize, what: impl FnOnce() -> String) -> Result<(), Error> {
    let expected = size_of::<T>() * count;
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(Error::WrongByteLength {
            what: what(),
            expected,
            found: bytes.len(),
        })
    }
}

fn check_align<T>(bytes: &[u8]) -> Result<(), Error> {
    let address = bytes.as_ptr() as usize;
    if address % align_of::<T>() == 0 {
        Ok(())
    } else {
        Err(Error::Misaligned {
            type_name: type_name::<T>(),
            align: align_of::<T>(),
            address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn round_trip_through_bytes() {
        let values = [1.5_f64, f64::NAN, -0.0];
        let bytes = slice_as_bytes(&values);
        assert_eq!(bytes.len(), 24);
        let back: &[f64] = slice_from_bytes(bytes).unwrap();
        assert_eq!(back[0], 1.5);
        assert!(back[1].is_nan());
        assert_eq!(
            read_from_bytes::<f64>(&bytes[16..]).unwrap().to_bits(),
            (-0.0_f64).to_bits()
        );
    }

    #[test]
    fn wrong_length_says_both_numbers() {
        let err = ref_from_bytes::<u32>(&[0; 3]).unwrap_err();
        assert!(matches!(
            err,
            Error::WrongByteLength {
                expected: 4,
                found: 3,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "3 bytes cannot be read as `u32`: expected 4 bytes; pass a slice of exactly that length"
        );
        let err = slice_from_bytes::<u32>(&[0; 10]).unwrap_err();
        assert!(matches!(
            err,
            Error::WrongByteLength {
                expected: 8,
                found: 10,
                ..
            }
        ));
    }

    #[test]
    fn misaligned_is_an_error_not_ub() {
        let words = [0_u64; 2];
        let bytes = slice_as_bytes(&words);
        let err = ref_from_bytes::<u64>(&bytes[1..9]).unwrap_err();
        assert!(matches!(err, Error::Misaligned { align: 8, .. }), "{err}");
        // Copying does not care about alignment.
        assert_eq!(read_from_bytes::<u64>(&bytes[1..9]).unwrap(), 0);
    }

    #[test]
    fn zeroed_vectors_are_zero_and_writable_as_bytes() {
        let mut v: Vec<[u16; 3]> = zeroed_vec(1000);
        assert!(v.iter().all(|x| *x == [0; 3]));
        slice_as_bytes_mut(&mut v)[..2].copy_from_slice(&7_u16.to_ne_bytes());
        assert_eq!(v[0], [7, 0, 0]);
        assert_eq!(zeroed_vec::<()>(3).len(), 3);
    }

    #[test]
    fn atomics_are_read_by_copy() {
        let a: AtomicU32 = read_from_bytes(&5_u32.to_ne_bytes()).unwrap();
        assert_eq!(a.load(Ordering::Relaxed), 5);
    }
}
