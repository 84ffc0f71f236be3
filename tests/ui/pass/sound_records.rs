// Sound records the checker accepts: a transparent newtype whose zero-sized field comes first,
// a `PhantomData<Self>`, `Option<NonZero*>` (zero is `None`), `Wrapping<T>`, fixed-width C
// aliases, and a private field type inside a `pub` record.
#![deny(warnings)]

use std::ffi::{c_int, c_uint};
use std::marker::PhantomData;
use std::num::{NonZero, NonZeroU32, Wrapping};

use shmsafe::{Kind, ShmSafe};

#[derive(ShmSafe)]
#[repr(transparent)]
pub struct Meters(PhantomData<f64>, f64);

#[derive(ShmSafe)]
#[repr(transparent)]
pub struct Tagged<U> {
    _unit: PhantomData<U>,
    value: u32,
}

#[derive(ShmSafe)]
#[repr(C)]
pub struct Node {
    id: u64,
    _me: PhantomData<Self>,
}

#[derive(ShmSafe)]
#[repr(C)]
pub struct Linked<T> {
    value: T,
    _me: PhantomData<Self>,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Secret {
    code: u64,
}

#[derive(ShmSafe)]
#[repr(C)]
pub struct Public {
    secret: Secret,
    parent: Option<NonZeroU32>,
    child: Option<NonZero<u32>>,
    hits: Wrapping<u64>,
    flags: c_int,
    mask: c_uint,
}

fn kinds<T: ShmSafe>() -> Vec<Kind> {
    let Kind::Record(layout) = T::KIND else { unreachable!() };
    layout.fields().iter().map(|f| f.kind()).collect()
}

fn main() {
    assert_eq!(size_of::<Meters>(), 8);
    assert_eq!(kinds::<Meters>()[1], Kind::Float { bytes: 8 });
    assert_eq!(size_of::<Tagged<String>>(), 4);
    assert_eq!(size_of::<Node>(), 8);
    assert_eq!(size_of::<Linked<u16>>(), 2);
    let public = kinds::<Public>();
    assert_eq!(public[1], Kind::Int { signed: false, bytes: 4 });
    assert_eq!(public[2], Kind::Int { signed: false, bytes: 4 });
    assert_eq!(public[3], Kind::Int { signed: false, bytes: 8 });
    assert_eq!(public[4], Kind::Int { signed: true, bytes: 4 });
    let Kind::Record(layout) = Public::KIND else { unreachable!() };
    assert!(layout.numpy_dtype().contains(r#""parent", "child", "hits", "flags", "mask""#));
    // Zero reads back as `None`.
    let zero: Public = shmsafe::zeroed();
    assert_eq!(zero.parent, None);
    assert_eq!(zero.secret.code + zero.hits.0, 0);
    let _ = (zero.child, zero.flags, zero.mask, Node { id: 1, _me: PhantomData });
    let _ = Linked { value: 1u8, _me: PhantomData };
    let _ = Tagged::<u8> { _unit: PhantomData, value: 1 };
    let _ = Meters(PhantomData, 1.0).1;
}
