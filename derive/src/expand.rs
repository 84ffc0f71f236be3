//! Code generation: the `ShmSafe` impl with one bound per field type, the layout description,
//! and the compile-time padding checks. Everything lives inside `const _: () = { ... };` and
//! names the crate as `::shmsafe` and the core library as `::core`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{DeriveInput, Generics, Type, WherePredicate};

use crate::ast::{Field, Record};
use crate::check;
use crate::ctxt::Ctxt;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let Some(record) = Record::from_input(input, &mut cx) else {
        return to_compile_errors(cx);
    };
    // Every field is checked, so that several bad fields are all reported at once.
    let passed: Vec<bool> = record.fields.iter().map(|f| check::field(f, &mut cx)).collect();
    match cx.finish() {
        Ok(()) if record.repr.is_some() => expand(&record),
        Ok(()) => unreachable!("a missing repr is reported"),
        Err(errors) => {
            // Still check the fields that passed the syntactic pass, so that a type alias to
            // `String` is reported in the same compile as a `bool` field.
            let good: Vec<&Field> = record
                .fields
                .iter()
                .zip(&passed)
                .filter_map(|(f, ok)| ok.then_some(f))
                .collect();
            let bounds = good.iter().map(|f| bound(f));
            let (impl_generics, _, where_clause) = record.generics.split_for_impl();
            let predicates = where_clause.map(|w| &w.predicates);
            let errors = errors.to_compile_error();
            quote! {
                #errors
                const _: () = {
                    #[allow(dead_code, clippy::all)]
                    fn __shmsafe_fields_that_passed #impl_generics ()
                    where
                        #predicates
                        #(#bounds,)*
                    {}
                };
            }
        }
    }
}

fn to_compile_errors(cx: Ctxt) -> TokenStream {
    match cx.finish() {
        Ok(()) => TokenStream::new(),
        Err(e) => e.to_compile_error(),
    }
}

/// `FieldType: ::shmsafe::ShmSafe`, spanned on the field's type so that an error points there.
fn bound(field: &Field) -> WherePredicate {
    let ty = field.ty;
    syn::parse_quote_spanned!(field.span()=> #ty: ::shmsafe::ShmSafe)
}

fn expand(record: &Record) -> TokenStream {
    let ident = record.ident;
    let name = ident.to_string();
    let generic = has_type_or_const_params(record.generics);
    let (impl_generics, ty_generics, where_clause) = record.generics.split_for_impl();
    let this = quote!(#ident #ty_generics);

    let mut predicates: Vec<WherePredicate> = where_clause
        .map(|w| w.predicates.iter().cloned().collect())
        .unwrap_or_default();
    predicates.extend(record.fields.iter().map(bound));

    let mutability = record.fields.iter().fold(quote!(::shmsafe::Frozen), |acc, f| {
        let ty = f.ty;
        quote!(<#acc as ::shmsafe::Mutability>::Or<<#ty as ::shmsafe::ShmSafe>::Mutability>)
    });

    let fields = record.fields.iter().map(|f| {
        let ty = f.ty;
        let member = &f.member;
        let fname = &f.name;
        quote_spanned! {f.span()=>
            ::shmsafe::Field::new(
                #fname,
                ::shmsafe::__private::offset_of!(#this, #member),
                ::shmsafe::__private::size_of::<#ty>(),
                <#ty as ::shmsafe::ShmSafe>::KIND,
            )
        }
    });

    let padding = padding_checks(record, &this);
    // A generic record's sizes are known only once it is used with concrete types, so its
    // padding is checked when its `KIND` is evaluated (by every `shmsafe` API that takes it).
    // A concrete record is checked where it is defined.
    let (in_kind, at_item) = if generic {
        (quote!(#(#padding;)*), quote!())
    } else {
        (quote!(), quote!(#(const _: () = #padding;)*))
    };

    quote! {
        const _: () = {
            #[automatically_derived]
            // SAFETY: `#[derive(ShmSafe)]` checked that the struct is `repr(C)` or
            // `repr(transparent)`, that every field type is `ShmSafe` (the bounds below), and
            // that the fields leave no padding (the checks below); `KIND` describes the fields
            // with offsets from `offset_of!` and sizes from `size_of`.
            unsafe impl #impl_generics ::shmsafe::ShmSafe for #this
            where
                #(#predicates,)*
            {
                type Mutability = #mutability;
                const KIND: ::shmsafe::Kind = {
                    #in_kind
                    ::shmsafe::Kind::Record {
                        0: &::shmsafe::Layout::new(
                            #name,
                            ::shmsafe::__private::size_of::<Self>(),
                            ::shmsafe::__private::align_of::<Self>(),
                            &[#(#fields),*],
                        ),
                    }
                };
            }
            #at_item
        };
    }
}

fn has_type_or_const_params(generics: &Generics) -> bool {
    generics.type_params().next().is_some() || generics.const_params().next().is_some()
}

/// One check per pair of neighbouring fields, and one after the last field, each spanned on the
/// field after the gap (the last field for trailing padding).
fn padding_checks(record: &Record, this: &TokenStream) -> Vec<TokenStream> {
    let name = record.ident.to_string();
    let end = |f: &Field| {
        let member = &f.member;
        let ty: &Type = f.ty;
        quote! {
            ::shmsafe::__private::offset_of!(#this, #member)
                + ::shmsafe::__private::size_of::<#ty>()
        }
    };
    let mut checks = Vec::new();
    for pair in record.fields.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let (before_name, after_name) = (&before.name, &after.name);
        let before_end = end(before);
        let member = &after.member;
        checks.push(quote_spanned! {after.span()=>
            ::shmsafe::__private::check_gap(
                #name,
                #before_name,
                #after_name,
                #before_end,
                ::shmsafe::__private::offset_of!(#this, #member),
            )
        });
    }
    if let Some(last) = record.fields.last() {
        let last_name = &last.name;
        let last_end = end(last);
        checks.push(quote_spanned! {last.span()=>
            ::shmsafe::__private::check_tail(
                #name,
                #last_name,
                #last_end,
                ::shmsafe::__private::size_of::<#this>(),
            )
        });
    }
    checks
}
