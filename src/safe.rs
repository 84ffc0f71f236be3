//! The `ShmSafe` contract and its implementations for the building blocks.

use core::marker::PhantomData;
use core::num::{NonZero, Wrapping};
use core::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64,
};

use crate::layout::Kind;

/// A type whose bytes another process can map and use without undefined behaviour.
///
/// Memory shared between processes is read by programs that know nothing of this process: not
/// its heap, not its allocator, not the compiler that built it. A type may live there only when
/// its value *is* its bytes. Derive this trait with `#[derive(ShmSafe)]`: the derive checks every
/// rule below at compile time and explains what to change when one fails.
///
/// # Safety
///
/// Implementing `ShmSafe` for a type `T` promises that:
///
/// 1. **The layout is fixed.** `T` is `#[repr(C)]` or `#[repr(transparent)]` (or a primitive),
///    so two processes built from the same definition agree on its size, alignment and field
///    offsets. Fixed-width types only: no `usize` or `isize`.
/// 2. **No pointers.** `T` holds no references, raw pointers, function pointers or owning
///    handles (`String`, `Vec`, `Box`, `Rc`, `Arc`, ...): an address means nothing in another
///    process.
/// 3. **Every bit pattern is valid.** Another process may write any bytes, so there is no `bool`,
///    `char`, enum, `NonZero*` or reference anywhere in `T`, and no `Option` except
///    `Option<NonZero*>` (whose `None` is the integer zero, so every bit pattern is a value).
/// 4. **No padding.** Every byte of `T` belongs to a field, so viewing a value as bytes reads
///    only initialised memory.
/// 5. **No unsynchronised interior mutability.** No `Cell`, `RefCell` or `UnsafeCell`; the
///    atomic integers are the one sanctioned way to mutate shared state, and such types say so
///    with [`Mutability = Atomic`](Atomic).
/// 6. **`KIND` tells the truth** about the fields, their offsets and sizes, and `Mutability` is
///    [`Atomic`] whenever `T` contains an atomic.
///
/// Implement it by hand only for a type the derive cannot see into, and check each point.
///
/// # Generic records
///
/// A derived record with type or const parameters (`struct Tagged<T> { tag: u8, value: T }`)
/// implements `ShmSafe` for every parameter whose field types are `ShmSafe`, but whether it has
/// padding depends on the parameters: `Tagged<u8>` has none, `Tagged<u64>` has 7 bytes. The
/// derive therefore checks:
///
/// - **at the definition**, every gap that does not depend on the parameters (the fields before
///   the first one whose type names a parameter; a `PhantomData<U>` field never depends on `U`),
///   so `struct Id<U> { tag: u8, raw: u64, _of: PhantomData<U> }` fails to compile where it is
///   written;
/// - **for each instantiation**, the rest, when the instantiation's [`KIND`](Self::KIND) is
///   evaluated. Every API of this crate that relies on "no padding" evaluates it ([`as_bytes`],
///   [`read_from_bytes`], [`zeroed`], [`SharedArray`](crate::SharedArray), ...), so a padded
///   `Tagged<u64>` is a compile error naming `Tagged<u64>` wherever one of them is used with it.
///
/// So the promise holds for a derived generic record once [`assert_layout`] has been evaluated
/// for the instantiation. Code of your own that relies on it for a generic `T: ShmSafe` (say, to
/// read a value's bytes through a pointer) forces the check the same way, with
/// `const { shmsafe::assert_layout::<T>() }` in its body; a padded instantiation then fails to
/// build. The check runs when the compiler generates code (`cargo build`, not `cargo check`); to
/// see it at `cargo check` and in the IDE, assert a concrete instantiation in a `const` item:
///
/// ```compile_fail,E0080
/// use shmsafe::ShmSafe;
///
/// #[derive(ShmSafe)]
/// #[repr(C)]
/// struct Tagged<T> {
///     tag: u8,
///     value: T,
/// }
///
/// const _: () = shmsafe::assert_layout::<Tagged<u8>>(); // no padding: fine
/// const _: () = shmsafe::assert_layout::<Tagged<u64>>(); // error: 7 bytes of padding
/// ```
///
/// [`as_bytes`]: crate::as_bytes
/// [`read_from_bytes`]: crate::read_from_bytes
/// [`zeroed`]: crate::zeroed
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be placed in shared memory",
    label = "`{Self}` is not `ShmSafe`",
    note = "another process can only use a value whose bytes are the whole value: fixed-width \
            integers and floats, `FixedStr<N>`, arrays of those, atomic integers, and \
            `#[repr(C)]` structs that `#[derive(ShmSafe)]`",
    note = "for text use `FixedStr<N>`, for collections a fixed-size array `[T; N]`, for a flag \
            or an enum an integer code (`u8`, `u32`)"
)]
pub unsafe trait ShmSafe: Sized {
    /// [`Frozen`] when no byte of the value can change behind a shared reference, [`Atomic`]
    /// when the type contains atomic integers.
    ///
    /// Only `Frozen` types can be viewed as borrowed bytes ([`Immutable`]): reading the bytes of
    /// an atomic while another thread or process stores to it is a data race.
    type Mutability: Mutability;

    /// What the type looks like in memory: its kind, and for a record its fields.
    const KIND: Kind;

    /// A 64-bit fingerprint of the layout: field names, kinds, offsets, sizes, the size and
    /// alignment of the type, and the byte order of the target.
    ///
    /// It is computed by this crate from [`Self::KIND`] with a fixed function, so it is the same
    /// for the same layout in any build and on any compiler version.
    const FINGERPRINT: u64 =
        crate::layout::fingerprint(&Self::KIND, size_of::<Self>(), align_of::<Self>());
}

/// Forces the compile-time layout checks of `T`: for a derived generic record, the padding
/// checks that depend on its parameters (see [`ShmSafe`'s section on generic
/// records](ShmSafe#generic-records)). For every other `ShmSafe` type it does nothing, since those
/// were checked where the type was defined.
///
/// Every function of this crate whose soundness rests on "no padding" calls it in a `const`
/// block. Do the same in generic code of your own that relies on the promise:
///
/// ```
/// use shmsafe::ShmSafe;
///
/// /// The first byte of a value, read through a pointer: sound only without padding.
/// fn first_byte<T: ShmSafe>(value: &T) -> Option<u8> {
///     const { shmsafe::assert_layout::<T>() };
///     if size_of::<T>() == 0 {
///         return None;
///     }
///     // SAFETY: `T` has no padding (checked above), so its first byte is initialised.
///     Some(unsafe { *(value as *const T).cast::<u8>() })
/// }
/// assert_eq!(first_byte(&0x0101_u16), Some(1));
/// ```
///
/// In a `const` item it runs at `cargo check`:
/// `const _: () = shmsafe::assert_layout::<Tagged<u64>>();` fails there when `Tagged<u64>` has
/// padding.
pub const fn assert_layout<T: ShmSafe>() {
    let _kind = T::KIND;
}

/// Marks whether a [`ShmSafe`] type contains atomics: implemented by [`Frozen`] and [`Atomic`]
/// only.
pub trait Mutability: sealed::Sealed + 'static {
    /// `true` for [`Atomic`].
    const ATOMIC: bool;

    /// The mutability of a record with a field of this mutability and one of mutability `M`:
    /// [`Atomic`] if either is. The code `#[derive(ShmSafe)]` generates folds it over the fields.
    type Or<M: Mutability>: Mutability;
}

/// The [`Mutability`] of a type with no atomics: its bytes never change behind a shared
/// reference, so it can be viewed as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frozen {}

/// The [`Mutability`] of a type containing atomic integers: its bytes can change behind a shared
/// reference, so it is copied, never borrowed, as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atomic {}

impl Mutability for Frozen {
    const ATOMIC: bool = false;
    type Or<M: Mutability> = M;
}
impl Mutability for Atomic {
    const ATOMIC: bool = true;
    type Or<M: Mutability> = Atomic;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Frozen {}
    impl Sealed for super::Atomic {}
}

/// A [`ShmSafe`] type without atomics, whose bytes can therefore be borrowed: see
/// [`as_bytes`](crate::as_bytes) and [`ref_from_bytes`](crate::ref_from_bytes).
///
/// Implemented automatically for every `ShmSafe` type whose
/// [`Mutability`](ShmSafe::Mutability) is [`Frozen`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` contains atomics, so it cannot be borrowed as bytes or mapped read-only",
    label = "`{Self}` has an atomic field",
    note = "another thread or process may store to the atomic while the bytes are read, which \
            is a data race; copy the value out with `shmsafe::read_from_bytes`, or read the \
            fields through their atomic `load` methods",
    note = "an atomic in a read-only mapping cannot be used as one: open a segment of such \
            records with `SharedArray::open_read_write`"
)]
///
/// # Safety
///
/// Implemented by this crate only, for exactly the `ShmSafe` types with
/// `Mutability = Frozen`; an implementation for any other type would let its bytes be read
/// while an atomic in it changes.
pub unsafe trait Immutable: ShmSafe {}
// SAFETY: `Mutability = Frozen` is the `ShmSafe` promise that the type has no atomics or other
// interior mutability.
// `do_not_recommend`: when a type is not `Immutable`, say so with the message above rather than
// as a mismatch of `Mutability`.
#[diagnostic::do_not_recommend]
unsafe impl<T: ShmSafe<Mutability = Frozen>> Immutable for T {}

// Every impl of `ShmSafe` is `#[diagnostic::do_not_recommend]`: when a type is not `ShmSafe`, the
// error then says so with the trait's own message and names the type the user wrote (`[Side; 2]`,
// not `Side`), without a list of "the following other types implement `ShmSafe`".
macro_rules! impl_scalar {
    ($($t:ty => $kind:expr),* $(,)?) => {$(
        // SAFETY: a primitive integer or float has a fixed size, no padding, no pointers, and
        // every bit pattern of its size is a valid value.
        #[diagnostic::do_not_recommend]
        unsafe impl ShmSafe for $t {
            type Mutability = Frozen;
            const KIND: Kind = $kind;
        }
    )*};
}

impl_scalar! {
    u8 => Kind::Int { signed: false, bytes: 1 },
    u16 => Kind::Int { signed: false, bytes: 2 },
    u32 => Kind::Int { signed: false, bytes: 4 },
    u64 => Kind::Int { signed: false, bytes: 8 },
    u128 => Kind::Int { signed: false, bytes: 16 },
    i8 => Kind::Int { signed: true, bytes: 1 },
    i16 => Kind::Int { signed: true, bytes: 2 },
    i32 => Kind::Int { signed: true, bytes: 4 },
    i64 => Kind::Int { signed: true, bytes: 8 },
    i128 => Kind::Int { signed: true, bytes: 16 },
    f32 => Kind::Float { bytes: 4 },
    f64 => Kind::Float { bytes: 8 },
}

macro_rules! impl_atomic {
    ($($t:ty => $kind:expr),* $(,)?) => {$(
        // SAFETY: an atomic integer has the size, alignment and bit validity of its integer,
        // holds no pointer, and its interior mutability is synchronised; `Mutability = Atomic`
        // keeps it from being viewed as borrowed bytes.
        #[diagnostic::do_not_recommend]
        unsafe impl ShmSafe for $t {
            type Mutability = Atomic;
            const KIND: Kind = $kind;
        }
    )*};
}

impl_atomic! {
    AtomicU8 => Kind::Atomic { signed: false, bytes: 1 },
    AtomicU16 => Kind::Atomic { signed: false, bytes: 2 },
    AtomicU32 => Kind::Atomic { signed: false, bytes: 4 },
    AtomicU64 => Kind::Atomic { signed: false, bytes: 8 },
    AtomicI8 => Kind::Atomic { signed: true, bytes: 1 },
    AtomicI16 => Kind::Atomic { signed: true, bytes: 2 },
    AtomicI32 => Kind::Atomic { signed: true, bytes: 4 },
    AtomicI64 => Kind::Atomic { signed: true, bytes: 8 },
}

// SAFETY: an array of `ShmSafe` elements has no padding between elements (an element's size is a
// multiple of its alignment), no pointers, and every bit pattern valid when each element's is.
#[diagnostic::do_not_recommend]
unsafe impl<T: ShmSafe, const N: usize> ShmSafe for [T; N] {
    type Mutability = T::Mutability;
    const KIND: Kind = Kind::Array {
        elem: &T::KIND,
        elem_size: size_of::<T>(),
        len: N,
    };
}

macro_rules! impl_option_nonzero {
    ($($t:ty => $kind:expr),* $(,)?) => {$(
        // SAFETY: the standard library guarantees that `Option<NonZero<T>>` has the size,
        // alignment and ABI of `T`, with `None` represented by zero: every bit pattern of `T`
        // is therefore a valid value (zero reads as `None`), and there is no padding or pointer.
        #[diagnostic::do_not_recommend]
        unsafe impl ShmSafe for Option<NonZero<$t>> {
            type Mutability = Frozen;
            const KIND: Kind = $kind;
        }
    )*};
}

impl_option_nonzero! {
    u8 => Kind::Int { signed: false, bytes: 1 },
    u16 => Kind::Int { signed: false, bytes: 2 },
    u32 => Kind::Int { signed: false, bytes: 4 },
    u64 => Kind::Int { signed: false, bytes: 8 },
    u128 => Kind::Int { signed: false, bytes: 16 },
    i8 => Kind::Int { signed: true, bytes: 1 },
    i16 => Kind::Int { signed: true, bytes: 2 },
    i32 => Kind::Int { signed: true, bytes: 4 },
    i64 => Kind::Int { signed: true, bytes: 8 },
    i128 => Kind::Int { signed: true, bytes: 16 },
}

// SAFETY: `Wrapping<T>` is `#[repr(transparent)]` over `T` (documented: "guaranteed to have the
// same layout and ABI as `T`"), so it has exactly `T`'s bytes, validity and mutability.
#[diagnostic::do_not_recommend]
unsafe impl<T: ShmSafe> ShmSafe for Wrapping<T> {
    type Mutability = T::Mutability;
    const KIND: Kind = T::KIND;
}

// SAFETY: `()` has no bytes at all.
#[diagnostic::do_not_recommend]
unsafe impl ShmSafe for () {
    type Mutability = Frozen;
    const KIND: Kind = Kind::Empty;
}

// SAFETY: `PhantomData<T>` has no bytes at all, whatever `T` is: it is a marker for the type
// system and never holds a `T`.
#[diagnostic::do_not_recommend]
unsafe impl<T: ?Sized> ShmSafe for PhantomData<T> {
    type Mutability = Frozen;
    const KIND: Kind = Kind::Empty;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutability<T: ShmSafe>() -> bool {
        T::Mutability::ATOMIC
    }

    #[test]
    fn atomics_and_arrays_of_atomics_are_atomic() {
        assert!(!mutability::<u64>());
        assert!(!mutability::<[[f32; 3]; 2]>());
        assert!(mutability::<AtomicU32>());
        assert!(mutability::<[AtomicU64; 4]>());
    }

    #[test]
    fn option_nonzero_and_wrapping_are_their_integers() {
        assert_eq!(size_of::<Option<NonZero<u32>>>(), 4);
        assert_eq!(<Option<NonZero<u32>>>::KIND, u32::KIND);
        assert_eq!(<Option<NonZero<i16>>>::FINGERPRINT, i16::FINGERPRINT);
        assert_eq!(<Wrapping<u64>>::KIND, u64::KIND);
        assert!(mutability::<Wrapping<AtomicU8>>());
        // Zero is `None`: every bit pattern is a value.
        let none: Option<NonZero<u64>> = crate::read_from_bytes(&[0; 8]).unwrap();
        assert_eq!(none, None);
        let some: Option<NonZero<u64>> = crate::read_from_bytes(&5_u64.to_ne_bytes()).unwrap();
        assert_eq!(some.map(NonZero::get), Some(5));
    }

    #[test]
    fn fingerprints_differ_between_primitives() {
        let all = [
            u8::FINGERPRINT,
            i8::FINGERPRINT,
            u16::FINGERPRINT,
            u32::FINGERPRINT,
            f32::FINGERPRINT,
            i32::FINGERPRINT,
            u64::FINGERPRINT,
            f64::FINGERPRINT,
            AtomicU64::FINGERPRINT,
            <[u8; 8]>::FINGERPRINT,
            <[u16; 4]>::FINGERPRINT,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
