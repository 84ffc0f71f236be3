#[allow(deprecated, non_upper_case_globals, clippy::all)]
const _: () = {
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_0<date>() -> ::shmsafe::__private::FieldFacts {
        <i64 as ::shmsafe::__private::FieldType<date>>::FACTS
    }
    const __SHMSAFE_FIELD_0: ::shmsafe::__private::FieldFacts = __shmsafe_field_0::<
        (),
    >();
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_1<val>() -> ::shmsafe::__private::FieldFacts {
        <f64 as ::shmsafe::__private::FieldType<val>>::FACTS
    }
    const __SHMSAFE_FIELD_1: ::shmsafe::__private::FieldFacts = __shmsafe_field_1::<
        (),
    >();
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_2<name>() -> ::shmsafe::__private::FieldFacts {
        <FixedStr<6> as ::shmsafe::__private::FieldType<name>>::FACTS
    }
    const __SHMSAFE_FIELD_2: ::shmsafe::__private::FieldFacts = __shmsafe_field_2::<
        (),
    >();
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_3<_pad>() -> ::shmsafe::__private::FieldFacts {
        <[u8; 2] as ::shmsafe::__private::FieldType<_pad>>::FACTS
    }
    const __SHMSAFE_FIELD_3: ::shmsafe::__private::FieldFacts = __shmsafe_field_3::<
        (),
    >();
    #[automatically_derived]
    unsafe impl ::shmsafe::ShmSafe for Row {
        type Mutability = <::shmsafe::__private::Select<
            {
                false || __SHMSAFE_FIELD_0.atomic || __SHMSAFE_FIELD_1.atomic
                    || __SHMSAFE_FIELD_2.atomic || __SHMSAFE_FIELD_3.atomic
            },
        > as ::shmsafe::__private::Pick>::Mutability;
        const KIND: ::shmsafe::Kind = {
            ::shmsafe::Kind::Record {
                0: &::shmsafe::Layout::new(
                    "Row",
                    ::shmsafe::__private::size_of::<Self>(),
                    ::shmsafe::__private::align_of::<Self>(),
                    &[
                        ::shmsafe::Field::new(
                            "date",
                            ::shmsafe::__private::offset_of!(Row, date),
                            ::shmsafe::__private::size_of::<i64>(),
                            __SHMSAFE_FIELD_0.kind,
                        ),
                        ::shmsafe::Field::new(
                            "val",
                            ::shmsafe::__private::offset_of!(Row, val),
                            ::shmsafe::__private::size_of::<f64>(),
                            __SHMSAFE_FIELD_1.kind,
                        ),
                        ::shmsafe::Field::new(
                            "name",
                            ::shmsafe::__private::offset_of!(Row, name),
                            ::shmsafe::__private::size_of::<FixedStr<6>>(),
                            __SHMSAFE_FIELD_2.kind,
                        ),
                        ::shmsafe::Field::new(
                            "_pad",
                            ::shmsafe::__private::offset_of!(Row, _pad),
                            ::shmsafe::__private::size_of::<[u8; 2]>(),
                            __SHMSAFE_FIELD_3.kind,
                        ),
                    ],
                ),
            }
        };
    }
    const _: () = {
        let _ = (
            __SHMSAFE_FIELD_0.atomic,
            __SHMSAFE_FIELD_1.atomic,
            __SHMSAFE_FIELD_2.atomic,
            __SHMSAFE_FIELD_3.atomic,
        );
        {
            let message = {
                ::shmsafe::__private::gap(
                    ::shmsafe::__private::Record {
                        name: "Row",
                        args: &[],
                    },
                    "date",
                    "val",
                    ::shmsafe::__private::offset_of!(Row, date)
                        + ::shmsafe::__private::size_of::<i64>(),
                    ::shmsafe::__private::offset_of!(Row, val),
                )
            };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
    const _: () = {
        let _ = (
            __SHMSAFE_FIELD_0.atomic,
            __SHMSAFE_FIELD_1.atomic,
            __SHMSAFE_FIELD_2.atomic,
            __SHMSAFE_FIELD_3.atomic,
        );
        {
            let message = {
                ::shmsafe::__private::gap(
                    ::shmsafe::__private::Record {
                        name: "Row",
                        args: &[],
                    },
                    "val",
                    "name",
                    ::shmsafe::__private::offset_of!(Row, val)
                        + ::shmsafe::__private::size_of::<f64>(),
                    ::shmsafe::__private::offset_of!(Row, name),
                )
            };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
    const _: () = {
        let _ = (
            __SHMSAFE_FIELD_0.atomic,
            __SHMSAFE_FIELD_1.atomic,
            __SHMSAFE_FIELD_2.atomic,
            __SHMSAFE_FIELD_3.atomic,
        );
        {
            let message = {
                ::shmsafe::__private::gap(
                    ::shmsafe::__private::Record {
                        name: "Row",
                        args: &[],
                    },
                    "name",
                    "_pad",
                    ::shmsafe::__private::offset_of!(Row, name)
                        + ::shmsafe::__private::size_of::<FixedStr<6>>(),
                    ::shmsafe::__private::offset_of!(Row, _pad),
                )
            };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
    const _: () = {
        let _ = (
            __SHMSAFE_FIELD_0.atomic,
            __SHMSAFE_FIELD_1.atomic,
            __SHMSAFE_FIELD_2.atomic,
            __SHMSAFE_FIELD_3.atomic,
        );
        {
            let message = {
                ::shmsafe::__private::tail(
                    ::shmsafe::__private::Record {
                        name: "Row",
                        args: &[],
                    },
                    "_pad",
                    ::shmsafe::__private::offset_of!(Row, _pad)
                        + ::shmsafe::__private::size_of::<[u8; 2]>(),
                    ::shmsafe::__private::size_of::<Row>(),
                )
            };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
};
