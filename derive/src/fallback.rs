//! What the derive expands to after an error.
//!
//! The errors, of course; then, as thiserror's fallback does, an impl of the trait anyway, so
//! that every use of the struct elsewhere (`SharedArray<Row>`, `as_bytes(&row)`) does not add an
//! error of its own to the ones that matter. It claims nothing (no bytes, no fields) and is never
//! run: the errors stop the build. It holds only where the struct is sized (`for<'a> Row: Sized`,
//! a bound that is not "trivial" to the compiler), so a refused unsized last field is not reported
//! a second time by `ShmSafe: Sized`.
//!
//! The fields the syntactic pass did not refuse are still checked, the same way as in a good
//! struct, so that an alias to `String` is reported in the same compile as a
//! `bool` field. Only those whose type does not depend on the struct's parameters: for the others,
//! there is nothing to check until the struct is used.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::check;
use crate::expand;

pub fn expand(input: &Input, error: syn::Error) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // One predicate at a time: the user's list may or may not end in a comma.
    let predicates = where_clause.into_iter().flat_map(|w| w.predicates.iter());
    let error = error.to_compile_error();

    let passed: Vec<_> = input
        .fields()
        .unwrap_or_default()
        .iter()
        .filter(|f| check::passes(f.ty) && !expand::depends_on_params(input, f.ty))
        .collect();
    let consts = passed
        .iter()
        .map(|f| expand::field_const_item(f, &expand::outside(input, f.ty)));

    quote! {
        #error

        #[allow(deprecated, non_upper_case_globals, clippy::all)]
        const _: () = {
            #(#consts)*

            #[automatically_derived]
            // SAFETY: never compiled into a program: `#[derive(ShmSafe)]` reported errors for
            // this type, which stop the build.
            unsafe impl #impl_generics ::shmsafe::ShmSafe for #ident #ty_generics
            where
                #(#predicates,)*
                for<'__shmsafe> #ident #ty_generics: ::core::marker::Sized,
            {
                type Mutability = ::shmsafe::Frozen;
                const KIND: ::shmsafe::Kind = ::shmsafe::Kind::Empty;
            }
        };
    }
}
