// `assert_layout` in a `const` item checks an instantiation of a generic record where it is
// written, at `cargo check` too, without waiting for a use.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Tagged<T> {
    tag: u8,
    value: T,
}

const _: () = shmsafe::assert_layout::<Tagged<u8>>();
const _: () = shmsafe::assert_layout::<Tagged<u64>>();

fn main() {}
