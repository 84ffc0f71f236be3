::core::compile_error! {
    "field `valid` cannot be shared between processes: `bool` has only two valid bit patterns, and another process may write any byte, which would be undefined behaviour to read; use `u8` (0 or 1) instead"
}
#[allow(deprecated, non_upper_case_globals, clippy::all)]
const _: () = {
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_2<name>() -> ::shmsafe::__private::FieldFacts {
        <Name as ::shmsafe::__private::FieldType<name>>::FACTS
    }
    const __SHMSAFE_FIELD_2: ::shmsafe::__private::FieldFacts = __shmsafe_field_2::<
        (),
    >();
    #[automatically_derived]
    unsafe impl<T> ::shmsafe::ShmSafe for Sample<T>
    where
        T: Copy,
        for<'__shmsafe> Sample<T>: ::core::marker::Sized,
    {
        type Mutability = ::shmsafe::Frozen;
        const KIND: ::shmsafe::Kind = ::shmsafe::Kind::Empty;
    }
};
