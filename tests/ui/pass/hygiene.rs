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

#[derive(::shmsafe::ShmSafe)]
#[repr(C)]
struct Generic<T, U, const N: usize> {
    tag: u32,
    len: u32,
    items: [T; N],
    _of: ::core::marker::PhantomData<U>,
}

#[derive(::shmsafe::ShmSafe)]
#[repr(transparent)]
struct Wrapper(::core::marker::PhantomData<Self>, u64);

fn main() {
    let _ = ::shmsafe::zeroed::<Generic<f64, core, 2>>();
    let _ = ::shmsafe::zeroed::<Wrapper>();
}
