//! `#[derive(ShmSafe)]`: proves at compile time that a record can live in memory shared between
//! processes, or says which field cannot and what to write instead.
//!
//! Use it through the `shmsafe` crate, which re-exports it beside the trait of the same name.
//! The derive is a pipeline, one module per stage:
//!
//! - `ast` parses the input into our own small types, `repr` reads its `#[repr(...)]`;
//! - `check` applies every rule, by name, collecting every error (`ctxt`);
//! - `expand` generates the impl and the compile-time checks of what syntax cannot see, or after
//!   errors `fallback` generates the errors and an impl that keeps them from cascading.

mod ast;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod repr;
#[cfg(test)]
mod snapshot;

use proc_macro::TokenStream;

/// Derives `shmsafe::ShmSafe`; see the `shmsafe` crate for the rules it enforces.
#[proc_macro_derive(ShmSafe)]
pub fn derive_shm_safe(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
