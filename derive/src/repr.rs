//! `#[repr(...)]`: every item the struct's `repr` attributes name, with its span, and the one
//! type, [`Repr`], that the rules in [`check`](crate::check) turn them into.
//!
//! Identifiers are compared without `r#`: the compiler reads `#[r#repr(r#packed)]` as
//! `#[repr(packed)]`, and so must the rules.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Attribute, Path};

/// The layouts a shareable struct may have: only the legal combinations. (Errors about a repr
/// point at the item in [`items`]; once a `Repr` exists there is nothing left to point at.)
#[derive(Clone, Copy, Debug)]
pub enum Repr {
    /// `#[repr(C)]`, possibly with `align(N)`, which raises the alignment (and so may add
    /// trailing padding, which the padding checks report).
    C { align: Option<u64> },
    /// `#[repr(transparent)]`: the layout of its one field that is not a 1-byte-aligned
    /// zero-sized type, so it has no padding of its own.
    Transparent,
}

/// One item inside `#[repr(...)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    C,
    Transparent,
    Align(u64),
    Packed,
    Rust,
    /// An integer repr (`u8`, ...) or `simd`: the compiler itself rejects those on a struct.
    Other,
}

/// Every item of every `#[repr(...)]` attribute, in order, with its span.
pub fn items(attrs: &[Attribute]) -> syn::Result<Vec<(Item, Span)>> {
    let mut items = Vec::new();
    for attr in attrs.iter().filter(|a| is(a.path(), "repr")) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let span = syn::spanned::Spanned::span(path);
            let item = if is(path, "C") {
                Item::C
            } else if is(path, "transparent") {
                Item::Transparent
            } else if is(path, "align") {
                let content;
                syn::parenthesized!(content in meta.input);
                Item::Align(content.parse::<syn::LitInt>()?.base10_parse()?)
            } else if is(path, "packed") {
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<syn::LitInt>()?;
                }
                Item::Packed
            } else if is(path, "Rust") {
                Item::Rust
            } else {
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<proc_macro2::TokenStream>()?;
                }
                Item::Other
            };
            items.push((item, span));
            Ok(())
        })?;
    }
    Ok(items)
}

/// Whether `path` is the single identifier `name`, written with or without `r#`.
fn is(path: &Path, name: &str) -> bool {
    path.get_ident().is_some_and(|ident| ident.unraw() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items_of(attr: &str) -> Vec<Item> {
        let input: syn::DeriveInput = syn::parse_str(&format!("{attr} struct S;")).unwrap();
        items(&input.attrs)
            .unwrap()
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn raw_identifiers_are_read_as_the_compiler_reads_them() {
        assert_eq!(items_of("#[repr(C, r#packed)]"), [Item::C, Item::Packed]);
        assert_eq!(items_of("#[r#repr(packed)]"), [Item::Packed]);
        assert_eq!(items_of("#[repr(r#C)]"), [Item::C]);
        assert_eq!(
            items_of("#[repr(C, align(16))]"),
            [Item::C, Item::Align(16)]
        );
        assert_eq!(items_of("#[repr(packed(2))]"), [Item::Packed]);
        assert_eq!(items_of("#[derive(Clone)] #[doc = \"x\"]"), []);
    }
}
