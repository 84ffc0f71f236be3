//! The derive's own small view of the input: a struct and its fields, or the enum or union that
//! was given instead. Parsing never fails here; [`check`](crate::check) decides what is allowed.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Member, Type};

/// What `#[derive(ShmSafe)]` was applied to.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub attrs: &'a [Attribute],
    pub body: Body<'a>,
}

/// The kind of item, with what the rules need of it.
pub enum Body<'a> {
    /// A struct (named, tuple or unit) and its fields.
    Struct(Vec<Field<'a>>),
    /// `enum Name`, the tokens an error points at.
    Enum(TokenStream),
    /// `union Name`, the tokens an error points at.
    Union(TokenStream),
}

/// One field of a struct.
pub struct Field<'a> {
    /// Its position among the fields, from 0.
    pub index: usize,
    /// How the generated code names it: `date` or `0`.
    pub member: Member,
    /// How messages name it: `date` (without `r#`) or `0`.
    pub name: String,
    pub ty: &'a Type,
}

impl Field<'_> {
    /// Where errors about the field point: its type.
    pub fn span(&self) -> Span {
        self.ty.span()
    }
}

impl<'a> Input<'a> {
    pub fn from_syn(input: &'a DeriveInput) -> Self {
        let ident = &input.ident;
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(fields(&data.fields)),
            Data::Enum(data) => {
                let token = data.enum_token;
                Body::Enum(quote!(#token #ident))
            }
            Data::Union(data) => {
                let token = data.union_token;
                Body::Union(quote!(#token #ident))
            }
        };
        Input {
            ident,
            generics: &input.generics,
            attrs: &input.attrs,
            body,
        }
    }

    /// The fields, if it is a struct.
    pub fn fields(&self) -> Option<&[Field<'a>]> {
        match &self.body {
            Body::Struct(fields) => Some(fields),
            Body::Enum(_) | Body::Union(_) => None,
        }
    }
}

fn fields(fields: &Fields) -> Vec<Field<'_>> {
    match fields {
        Fields::Named(named) => named
            .named
            .iter()
            .enumerate()
            .map(|(index, f)| {
                let id = f.ident.clone().expect("named fields have names");
                Field {
                    index,
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
            .map(|(index, f)| Field {
                index,
                name: index.to_string(),
                member: Member::Unnamed(syn::Index {
                    index: index as u32,
                    span: f.ty.span(),
                }),
                ty: &f.ty,
            })
            .collect(),
        Fields::Unit => Vec::new(),
    }
}
