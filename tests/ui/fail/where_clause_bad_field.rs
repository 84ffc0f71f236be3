// A `where` clause and a refused field: one error, on the field.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Sample<T>
where
    T: Copy,
{
    value: T,
    valid: bool,
}

fn main() {}
