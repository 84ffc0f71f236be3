//! The derive's own small view of the input: a record and its fields.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Member, Type};

use crate::ctxt::Ctxt;
use crate::repr::{self, Repr};

/// A struct that asked to derive `ShmSafe`.
pub struct Record<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub repr: Option<Repr>,
    pub fields: Vec<Field<'a>>,
}

/// One field of the record.
pub struct Field<'a> {
    /// How the generated code names it: `date` or `0`.
    pub member: Member,
    /// How messages name it.
    pub name: String,
    pub ty: &'a Type,
}

impl Field<'_> {
    pub fn span(&self) -> Span {
        self.ty.span()
    }
}

impl<'a> Record<'a> {
    /// Parses the input; enums and unions are reported and give `None`.
    pub fn from_input(input: &'a DeriveInput, cx: &mut Ctxt) -> Option<Self> {
        let ident = &input.ident;
        let fields = match &input.data {
            Data::Struct(data) => &data.fields,
            Data::Enum(data) => {
                cx.error(
                    {
                        let token = data.enum_token;
                        quote::quote!(#token #ident)
                    },
                    format!(
                        "enum `{ident}` cannot be shared: another process may write a \
                         discriminant that names no variant, which is undefined behaviour; use a \
                         `#[repr(C)]` struct with an integer code field (`u8`, `u32`) and one \
                         constant per variant"
                    ),
                );
                return None;
            }
            Data::Union(data) => {
                cx.error(
                    {
                        let token = data.union_token;
                        quote::quote!(#token #ident)
                    },
                    format!(
                        "union `{ident}` cannot be shared: its fields overlap, and nothing \
                         records which one was written; use a `#[repr(C)]` struct with explicit \
                         `_pad: [u8; N]` fields, or a byte array `[u8; N]`"
                    ),
                );
                return None;
            }
        };
        let repr = repr::parse(&input.attrs, ident, cx);
        let fields = match fields {
            Fields::Named(named) => named
                .named
                .iter()
                .map(|f| {
                    let id = f.ident.clone().expect("named fields have names");
                    Field {
                        name: id.unraw().to_string(),
                        member: Member::Named(id),
                        ty: &f.ty,
                    }
                })
                .collect(),
            Fields::Unnamed(unnamed) => unnamed
                .unnamed
                .iter()
                .enumerate()
                .map(|(i, f)| Field {
                    name: i.to_string(),
                    member: Member::Unnamed(syn::Index {
                        index: i as u32,
                        span: f.ty.span(),
                    }),
                    ty: &f.ty,
                })
                .collect(),
            Fields::Unit => Vec::new(),
        };
        Some(Record {
            ident,
            generics: &input.generics,
            repr,
            fields,
        })
    }
}
