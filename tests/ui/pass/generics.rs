use std::marker::PhantomData;

use shmsafe::{FixedStr, SharedArray, ShmSafe};

#[derive(ShmSafe, Clone, Copy)]
#[repr(C)]
struct Pair<T> {
    left: T,
    right: T,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Buffer<T, const N: usize> {
    items: [T; N],
    len: u32,
}

/// `PhantomData<U>` needs nothing of `U`: here a `String` that is never stored.
#[derive(ShmSafe)]
#[repr(C)]
struct Id<U> {
    raw: u64,
    _of: PhantomData<U>,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Bounded<T: Copy + Default>
where
    T: PartialEq,
{
    value: T,
}

fn main() {
    let pairs = SharedArray::from_fn(3, |i| Pair { left: i as u32, right: 2 * i as u32 }).unwrap();
    assert_eq!(pairs[2].right, 4);
    let _ = SharedArray::from_fn(1, |_| Buffer::<FixedStr<4>, 3> {
        items: [FixedStr::truncating("abc"); 3],
        len: 3,
    })
    .unwrap();
    let ids = SharedArray::from_fn(2, |i| Id::<String> { raw: i as u64, _of: PhantomData }).unwrap();
    assert_eq!(ids[1].raw, 1);
    let _: Bounded<u16> = shmsafe::zeroed();
}
