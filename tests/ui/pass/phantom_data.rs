use std::marker::PhantomData;

use shmsafe::ShmSafe;

struct Meters;

#[derive(ShmSafe)]
#[repr(C)]
struct Distance<'a> {
    value: f64,
    _unit: PhantomData<Meters>,
    _borrow: PhantomData<&'a str>,
    _nothing: (),
}

fn main() {
    assert_eq!(size_of::<Distance<'static>>(), 8);
}
