// Padding that does not depend on the parameters is refused where the struct is written,
// before any use: `PhantomData<U>` has no bytes whatever `U` is.
use std::marker::PhantomData;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Id<U> {
    tag: u8,
    raw: u64,
    _of: PhantomData<U>,
}

fn main() {}
