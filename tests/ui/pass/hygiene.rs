// Generated code must not collide with the user's names, even hostile ones.
#![no_implicit_prelude]

#[allow(non_camel_case_types, dead_code)]
struct core;
#[allow(dead_code)]
struct Kind;
#[allow(dead_code)]
struct Layout;

#[derive(::shmsafe::ShmSafe)]
#[repr(C)]
struct Row {
    a: u64,
    b: f64,
}

fn main() {}
