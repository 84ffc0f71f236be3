//! `#[repr(...)]`: parsed into the one form the rules allow, or an error.

use syn::{Attribute, Ident};

use crate::ctxt::Ctxt;

/// The layouts a shareable struct may have.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Repr {
    /// `#[repr(C)]`, with or without `align(N)`.
    C,
    /// `#[repr(transparent)]`.
    Transparent,
}

/// Reads every `#[repr(...)]` on the struct. Reports `repr(Rust)`, `repr(packed)` and a missing
/// repr; returns `None` after reporting.
pub fn parse(attrs: &[Attribute], ident: &Ident, cx: &mut Ctxt) -> Option<Repr> {
    let mut repr = None;
    let mut refused = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("C") {
                repr = Some(Repr::C);
            } else if path.is_ident("transparent") {
                repr = Some(Repr::Transparent);
            } else if path.is_ident("align") {
                // align(N) may add trailing padding, which the padding check reports.
                let content;
                syn::parenthesized!(content in meta.input);
                content.parse::<syn::LitInt>()?;
            } else if path.is_ident("packed") {
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<syn::LitInt>()?;
                }
                refused = true;
                cx.error(
                    path,
                    format!(
                        "`{ident}` cannot be `repr(packed)`: packed fields can be misaligned, and \
                         a reference to a misaligned field is undefined behaviour; remove \
                         `packed` and add explicit `_pad: [u8; N]` fields where the compiler \
                         would pad"
                    ),
                );
            } else if path.is_ident("Rust") {
                refused = true;
                cx.error(
                    path,
                    format!(
                        "`{ident}` cannot be `repr(Rust)`: the compiler may order its fields \
                         differently in each build, so two processes would disagree on where \
                         each field is; write `#[repr(C)]` instead"
                    ),
                );
            } else {
                // Integer reprs are for enums; rustc reports them on a struct itself.
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<proc_macro2::TokenStream>()?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            refused = true;
            cx.error_at(e.span(), e);
        }
    }
    if refused {
        return None;
    }
    if repr.is_none() {
        cx.error(
            ident,
            format!(
                "`{ident}` needs `#[repr(C)]` to be shared: without it the compiler may order \
                 its fields differently in each build, so two processes would disagree on where \
                 each field is; add `#[repr(C)]` above `struct {ident}`"
            ),
        );
    }
    repr
}
