#[allow(deprecated, non_upper_case_globals, clippy::all)]
const _: () = {
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_0<tag>() -> ::shmsafe::__private::FieldFacts {
        <u8 as ::shmsafe::__private::FieldType<tag>>::FACTS
    }
    const __SHMSAFE_FIELD_0: ::shmsafe::__private::FieldFacts = __shmsafe_field_0::<
        (),
    >();
    #[allow(non_camel_case_types, non_snake_case)]
    const fn __shmsafe_field_1<raw>() -> ::shmsafe::__private::FieldFacts {
        <u64 as ::shmsafe::__private::FieldType<raw>>::FACTS
    }
    const __SHMSAFE_FIELD_1: ::shmsafe::__private::FieldFacts = __shmsafe_field_1::<
        (),
    >();
    #[automatically_derived]
    unsafe impl<T, U> ::shmsafe::ShmSafe for Tagged<T, U>
    where
        T: Copy,
        T: ::shmsafe::ShmSafe,
        PhantomData<U>: ::shmsafe::ShmSafe,
    {
        type Mutability = <<<::shmsafe::__private::Select<
            { false || __SHMSAFE_FIELD_0.atomic || __SHMSAFE_FIELD_1.atomic },
        > as ::shmsafe::__private::Pick>::Mutability as ::shmsafe::Mutability>::Or<
            <T as ::shmsafe::ShmSafe>::Mutability,
        > as ::shmsafe::Mutability>::Or<
            <PhantomData<U> as ::shmsafe::ShmSafe>::Mutability,
        >;
        const KIND: ::shmsafe::Kind = {
            const {
                let message = {
                    ::shmsafe::__private::gap(
                        ::shmsafe::__private::Record {
                            name: "Tagged",
                            args: &[
                                ::shmsafe::__private::Arg::Type(
                                    &<T as ::shmsafe::ShmSafe>::KIND,
                                ),
                                ::shmsafe::__private::Arg::Unknown,
                            ],
                        },
                        "tag",
                        "raw",
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, tag)
                            + ::shmsafe::__private::size_of::<u8>(),
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, raw),
                    )
                };
                if message.failed() {
                    ::core::panic!("{}", message.as_str());
                }
            };
            const {
                let message = {
                    ::shmsafe::__private::gap(
                        ::shmsafe::__private::Record {
                            name: "Tagged",
                            args: &[
                                ::shmsafe::__private::Arg::Type(
                                    &<T as ::shmsafe::ShmSafe>::KIND,
                                ),
                                ::shmsafe::__private::Arg::Unknown,
                            ],
                        },
                        "raw",
                        "value",
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, raw)
                            + ::shmsafe::__private::size_of::<u64>(),
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, value),
                    )
                };
                if message.failed() {
                    ::core::panic!("{}", message.as_str());
                }
            };
            const {
                let message = {
                    ::shmsafe::__private::gap(
                        ::shmsafe::__private::Record {
                            name: "Tagged",
                            args: &[
                                ::shmsafe::__private::Arg::Type(
                                    &<T as ::shmsafe::ShmSafe>::KIND,
                                ),
                                ::shmsafe::__private::Arg::Unknown,
                            ],
                        },
                        "value",
                        "_of",
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, value)
                            + ::shmsafe::__private::size_of::<T>(),
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, _of),
                    )
                };
                if message.failed() {
                    ::core::panic!("{}", message.as_str());
                }
            };
            const {
                let message = {
                    ::shmsafe::__private::tail(
                        ::shmsafe::__private::Record {
                            name: "Tagged",
                            args: &[
                                ::shmsafe::__private::Arg::Type(
                                    &<T as ::shmsafe::ShmSafe>::KIND,
                                ),
                                ::shmsafe::__private::Arg::Unknown,
                            ],
                        },
                        "_of",
                        ::shmsafe::__private::offset_of!(Tagged < T, U >, _of)
                            + ::shmsafe::__private::size_of::<PhantomData<U>>(),
                        ::shmsafe::__private::size_of::<Tagged<T, U>>(),
                    )
                };
                if message.failed() {
                    ::core::panic!("{}", message.as_str());
                }
            };
            ::shmsafe::Kind::Record {
                0: &::shmsafe::Layout::new(
                    "Tagged",
                    ::shmsafe::__private::size_of::<Self>(),
                    ::shmsafe::__private::align_of::<Self>(),
                    &[
                        ::shmsafe::Field::new(
                            "tag",
                            ::shmsafe::__private::offset_of!(Tagged < T, U >, tag),
                            ::shmsafe::__private::size_of::<u8>(),
                            __SHMSAFE_FIELD_0.kind,
                        ),
                        ::shmsafe::Field::new(
                            "raw",
                            ::shmsafe::__private::offset_of!(Tagged < T, U >, raw),
                            ::shmsafe::__private::size_of::<u64>(),
                            __SHMSAFE_FIELD_1.kind,
                        ),
                        ::shmsafe::Field::new(
                            "value",
                            ::shmsafe::__private::offset_of!(Tagged < T, U >, value),
                            ::shmsafe::__private::size_of::<T>(),
                            <T as ::shmsafe::ShmSafe>::KIND,
                        ),
                        ::shmsafe::Field::new(
                            "_of",
                            ::shmsafe::__private::offset_of!(Tagged < T, U >, _of),
                            ::shmsafe::__private::size_of::<PhantomData<U>>(),
                            <PhantomData<U> as ::shmsafe::ShmSafe>::KIND,
                        ),
                    ],
                ),
            }
        };
    }
    const _: () = {
        let _ = (__SHMSAFE_FIELD_0.atomic, __SHMSAFE_FIELD_1.atomic);
        {
            let message = {
                ::shmsafe::__private::gap(
                    ::shmsafe::__private::Record {
                        name: "Tagged",
                        args: &[
                            ::shmsafe::__private::Arg::Unknown,
                            ::shmsafe::__private::Arg::Unknown,
                        ],
                    },
                    "tag",
                    "raw",
                    ::shmsafe::__private::size_of::<u8>(),
                    ::shmsafe::__private::place(
                        ::shmsafe::__private::size_of::<u8>(),
                        ::shmsafe::__private::align_of::<u64>(),
                    ),
                )
            };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
};
