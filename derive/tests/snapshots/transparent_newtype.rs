#[allow(deprecated, non_upper_case_globals, clippy::all)]
const _: () = {
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_0() -> ::shmsafe::__private::FieldFacts {
        <PhantomData<Meters> as ::shmsafe::__private::TupleFieldType<0usize>>::FACTS
    }
    const __SHMSAFE_FIELD_0: ::shmsafe::__private::FieldFacts = __shmsafe_field_0();
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_1() -> ::shmsafe::__private::FieldFacts {
        <f64 as ::shmsafe::__private::TupleFieldType<1usize>>::FACTS
    }
    const __SHMSAFE_FIELD_1: ::shmsafe::__private::FieldFacts = __shmsafe_field_1();
    #[automatically_derived]
    unsafe impl ::shmsafe::ShmSafe for Meters {
        type Mutability = <::shmsafe::__private::Select<
            { false || __SHMSAFE_FIELD_0.atomic || __SHMSAFE_FIELD_1.atomic },
        > as ::shmsafe::__private::Pick>::Mutability;
        const KIND: ::shmsafe::Kind = {
            ::shmsafe::Kind::Record {
                0: &::shmsafe::Layout::new(
                    "Meters",
                    ::shmsafe::__private::size_of::<Self>(),
                    ::shmsafe::__private::align_of::<Self>(),
                    &[
                        ::shmsafe::Field::new(
                            "0",
                            ::shmsafe::__private::offset_of!(Meters, 0),
                            ::shmsafe::__private::size_of::<PhantomData<Self>>(),
                            __SHMSAFE_FIELD_0.kind,
                        ),
                        ::shmsafe::Field::new(
                            "1",
                            ::shmsafe::__private::offset_of!(Meters, 1),
                            ::shmsafe::__private::size_of::<f64>(),
                            __SHMSAFE_FIELD_1.kind,
                        ),
                    ],
                ),
            }
        };
    }
};
