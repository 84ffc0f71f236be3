//! Share records between processes through shared memory, safely.
//!
//! A record that holds a pointer means nothing in another process: that is how a numpy array of
//! Python strings in shared memory segfaults its readers. `shmsafe` turns the lesson into a
//! compiler check and a checked container:
//!
//! - [`ShmSafe`], and `#[derive(ShmSafe)]`, prove at compile time that a record can be shared, or
//!   reject it with an error that names the field, says why and says what to write instead;
//! - [`FixedStr<N>`] is text in exactly `N` bytes, with explicit truncation;
//! - [`SharedArray<T>`] is a named segment of records that other processes open by name,
//!   checked so that a wrong type, a wrong size or garbage is an error, never undefined
//!   behaviour;
//! - [`SealedArray<T>`] holds the same records in a memfd the kernel has sealed against every
//!   change, so that other processes open it safely, with no `unsafe`;
//! - `Publisher<T>` and `Subscriber<T>` (64-bit targets) publish a new sealed snapshot whenever
//!   the records change and let readers follow the latest, zero-copy;
//! - [`segments`] and [`remove_stale`] find and remove what killed creators left behind;
//! - [`Layout`] describes a record: its fingerprint, a numpy dtype for Python readers; the
//!   segment format itself is in [`format`](mod@format).
//!
//! # Example
//!
//! ```
//! use shmsafe::{FixedStr, SharedArray, ShmSafe};
//!
//! #[derive(ShmSafe, Clone, Copy, Debug)]
//! #[repr(C)]
//! struct Row {
//!     date: i64,
//!     val: f64,
//!     name: FixedStr<6>,
//!     _pad: [u8; 2],
//! }
//!
//! let rows = SharedArray::from_fn(1000, |i| Row {
//!     date: i as i64,
//!     val: if i % 2 == 0 { 1.0 } else { f64::NAN },
//!     name: FixedStr::truncating(if i % 2 == 0 { "string" } else { "abc" }),
//!     _pad: [0; 2],
//! })?;
//!
//! // Another process opens the same records by name (here, the same process for brevity).
//! // SAFETY: nothing writes to the segment while it is open.
//! let seen = unsafe { SharedArray::<Row>::open(rows.name())? };
//! let sum: f64 = seen.iter().map(|r| r.val).filter(|v| !v.is_nan()).sum();
//! assert_eq!(sum, 500.0);
//! # Ok::<(), shmsafe::Error>(())
//! ```

// The derive names this crate `::shmsafe`, also inside it.
extern crate self as shmsafe;

mod array;
mod bytes;
mod error;
mod fixed_str;
pub mod format;
pub mod layout;
mod leftovers;
#[cfg(target_pointer_width = "64")]
pub mod live;
mod safe;
mod sealed;
mod segment;

#[cfg(any(feature = "proptest", test))]
pub mod arbitrary;

#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}
mod private;

/// The README's code, compiled and run as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use array::{ArrayWriter, SharedArray, fill_parallel};
pub use bytes::{
    as_bytes, read_from_bytes, ref_from_bytes, slice_as_bytes, slice_as_bytes_mut,
    slice_from_bytes, zeroed, zeroed_vec,
};
pub use error::Error;
pub use fixed_str::FixedStr;
pub use layout::{Field, Kind, Layout};
pub use leftovers::{SegmentInfo, SegmentState, remove_stale, segments};
#[cfg(target_pointer_width = "64")]
pub use live::{Publisher, Snapshot, Subscriber};
pub use safe::{Atomic, Frozen, Immutable, Mutability, ShmSafe, assert_layout};
pub use sealed::{SealedArray, SealedWriter};
pub use segment::{remove, remove_any};

/// Derives [`ShmSafe`] for a `#[repr(C)]` or `#[repr(transparent)]` struct whose fields are all
/// `ShmSafe` and leave no padding, and describes its [`Layout`].
///
/// The derive refuses what cannot be shared, each with an error on the offending field that
/// says why and what to write instead:
///
/// | refused | write instead |
/// | --- | --- |
/// | no `#[repr(C)]` | `#[repr(C)]`: both processes must agree on field order |
/// | `String`, `&str`, `Vec<T>`, `Box<T>`, `&T`, `*const T`, `Rc`, `Arc`, `HashMap`, `fn()` | `FixedStr<N>`, `[T; N]`, an index into another array |
/// | `bool`, `char`, enums, `NonZero*`, `Option<T>` (but `Option<NonZero*>`, whose every bit pattern is valid, is accepted) | `u8`, `u32`, an integer code |
/// | `usize`, `isize`, and C types of the target's width (`c_long`, `c_char`, `time_t`, `size_t`, ...) | `u64`, `i64`, fixed-width types |
/// | implicit padding | reorder the fields, or an explicit `_pad: [u8; N]` |
/// | `Cell`, `RefCell`, `UnsafeCell` | `AtomicU32`, `AtomicU64`, ... |
/// | `repr(packed)`, enums, unions | a struct with explicit padding |
///
/// Generic structs are allowed: each field's type must be `ShmSafe`, a bound checked where the
/// struct is used with concrete types (so `PhantomData<U>` does not require `U: ShmSafe`).
///
/// ```
/// use shmsafe::{FixedStr, ShmSafe};
/// use std::sync::atomic::AtomicU64;
///
/// #[derive(ShmSafe)]
/// #[repr(C)]
/// struct Counter {
///     hits: AtomicU64,
///     label: FixedStr<8>,
/// }
/// ```
///
/// ```compile_fail
/// #[derive(shmsafe::ShmSafe)]
/// #[repr(C)]
/// struct Person {
///     name: String, // error: points into this process's heap; use `FixedStr<N>`
/// }
/// ```
pub use shmsafe_derive::ShmSafe;
