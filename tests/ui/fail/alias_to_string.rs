// Syntax cannot see through an alias; the trait bound on the field can.
use shmsafe::ShmSafe;

type Name = String;

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    val: f64,
    name: Name,
}

fn main() {}
