//! Code generation: the `ShmSafe` impl, the layout description, and the compile-time checks.
//!
//! Everything lives inside `const _: () = { ... };`, names the crate as `::shmsafe` and the core
//! library as `::core`, and is spanned so that each error points at the field at fault:
//!
//! - for a field whose type does not depend on the parameters, a constant holding its facts
//!   (kind, atomic or not), checked where the struct is defined, through a trait whose message
//!   names the field (see [`field_const_item`]). The impl reads the field's type only through that
//!   constant, so a field that is not `ShmSafe` gives one error, on the field, naming it;
//! - for a field whose type depends on them, a bound in the impl's `where` clause, checked where
//!   the struct is used with concrete parameters;
//! - `Mutability` computed from a constant (`Select<{ any field atomic }>`), so it names no field
//!   type (a private field type in a `pub` struct stays private) and adds no error of its own;
//! - the padding checks: at the definition for a struct without type or const parameters; for a
//!   generic one, at the definition for the gaps that do not depend on the parameters and in its
//!   `KIND` for the rest.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::visit_mut::VisitMut;
use syn::{DeriveInput, GenericParam, Generics, Ident, Lifetime, Member, Type, WherePredicate};

use crate::ast::{Field, Input};
use crate::check::{self, Record};
use crate::fallback;
use crate::repr::Repr;

/// The whole derive: expand, or after errors the fallback.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let ast = Input::from_syn(input);
    match try_expand(&ast) {
        Ok(expanded) => expanded,
        // After an error, the errors and an impl that claims nothing, so that uses of the type
        // elsewhere add no errors of their own (see `fallback`).
        Err(error) => fallback::expand(&ast, error),
    }
}

fn try_expand(input: &Input) -> Result<TokenStream, syn::Error> {
    let record = check::check(input)?;
    Ok(impl_record(&record))
}

/// The name of the constant holding a concrete field's facts.
fn field_const(field: &Field) -> Ident {
    format_ident!("__SHMSAFE_FIELD_{}", field.index)
}

/// For a field whose type does not depend on the struct's parameters, checked where the struct
/// is defined: a constant with the type's [`FieldFacts`], read through a generic function whose
/// type parameter is named after the field, so that a type that is not `ShmSafe` is reported
/// once, on the field, as "field `date` cannot be shared between processes" (the compiler shows
/// a type parameter by its name). A tuple struct's field is named by its position instead.
///
/// [`FieldFacts`]: ../shmsafe/__private/struct.FieldFacts.html
pub fn field_const_item(field: &Field, ty: &Type) -> TokenStream {
    let name = field_const(field);
    let check = format_ident!("__shmsafe_field_{}", field.index);
    let span = field.span();
    let named = match &field.member {
        // A parameter named like an identifier in the type would shadow it there.
        Member::Named(ident) if !mentions_ident(ty, &ident.unraw()) => Some(ident),
        _ => None,
    };
    let (params, facts) = match named {
        Some(param) => (
            quote!(<#param>),
            quote_spanned!(span=> <#ty as ::shmsafe::__private::FieldType<#param>>::FACTS),
        ),
        None => {
            let index = field.index;
            (
                quote!(<>),
                quote_spanned!(span=> <#ty as ::shmsafe::__private::TupleFieldType<#index>>::FACTS),
            )
        }
    };
    let args = if named.is_some() {
        quote!(::<()>)
    } else {
        quote!()
    };
    quote! {
        #[allow(non_camel_case_types, non_snake_case)]
        const fn #check #params () -> ::shmsafe::__private::FieldFacts {
            #facts
        }
        const #name: ::shmsafe::__private::FieldFacts = #check #args ();
    }
}

/// Whether `ident` appears anywhere in `ty`.
fn mentions_ident(ty: &Type, ident: &Ident) -> bool {
    fn walk(tokens: TokenStream, ident: &Ident) -> bool {
        tokens.into_iter().any(|token| match &token {
            TokenTree::Ident(i) => i.unraw() == *ident,
            TokenTree::Group(group) => walk(group.stream(), ident),
            _ => false,
        })
    }
    walk(quote!(#ty), ident)
}

/// What the generated code needs to know about the struct's parameters.
struct Params<'a> {
    generics: &'a Generics,
    /// Whether it has type or const parameters (lifetimes alone do not make it generic: its
    /// layout is the same for every lifetime).
    generic: bool,
}

impl Params<'_> {
    /// Whether `ty` depends on the parameters: names one of them, or `Self` in a generic struct.
    fn mention(&self, ty: &Type) -> bool {
        fn walk(tokens: TokenStream, params: &Params) -> bool {
            let mut after_quote = false;
            tokens.into_iter().any(|token| {
                let hit = match &token {
                    TokenTree::Ident(ident) if after_quote => params
                        .generics
                        .lifetimes()
                        .any(|l| l.lifetime.ident == *ident),
                    TokenTree::Ident(ident) => {
                        params.generics.type_params().any(|p| p.ident == *ident)
                            || params.generics.const_params().any(|p| p.ident == *ident)
                            || (params.generic && ident == "Self")
                    }
                    TokenTree::Group(group) => walk(group.stream(), params),
                    _ => false,
                };
                after_quote = matches!(&token, TokenTree::Punct(p) if p.as_char() == '\'');
                hit
            })
        }
        walk(quote!(#ty), self)
    }
}

/// The struct as a type outside its impl: its lifetimes made `'static`, and `Self` replaced by
/// the struct, so that an item-level check can name it.
struct Outside<'a> {
    generics: &'a Generics,
    this: Type,
}

impl VisitMut for Outside<'_> {
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if self.generics.lifetimes().any(|l| l.lifetime == *lifetime) {
            *lifetime = Lifetime::new("'static", lifetime.span());
        }
    }

    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty {
            if path.qself.is_none() && path.path.is_ident("Self") {
                *ty = self.this.clone();
                return;
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// The struct's type with its lifetimes `'static`: `Row` or `View<'static>`.
fn outside_this(input: &Input) -> Type {
    let ident = input.ident;
    let lifetimes: Vec<_> = input
        .generics
        .lifetimes()
        .map(|_| quote!('static))
        .collect();
    if lifetimes.is_empty() {
        syn::parse_quote!(#ident)
    } else {
        syn::parse_quote!(#ident<#(#lifetimes),*>)
    }
}

/// `ty` as named outside the impl.
pub fn outside(input: &Input, ty: &Type) -> Type {
    let mut ty = ty.clone();
    Outside {
        generics: input.generics,
        this: outside_this(input),
    }
    .visit_type_mut(&mut ty);
    ty
}

/// Whether `ty` depends on the struct's type or const parameters (or on `Self`).
pub fn depends_on_params(input: &Input, ty: &Type) -> bool {
    Params {
        generics: input.generics,
        generic: is_generic(input.generics),
    }
    .mention(ty)
}

fn is_generic(generics: &Generics) -> bool {
    generics.type_params().next().is_some() || generics.const_params().next().is_some()
}

/// `PhantomData<...>`: zero bytes, alignment 1, whatever it is of.
fn is_phantom(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let segments = &path.path.segments;
    path.qself.is_none()
        && segments.last().is_some_and(|s| s.ident == "PhantomData")
        && (segments.len() == 1
            || segments
                .first()
                .is_some_and(|s| s.ident == "std" || s.ident == "core"))
}

fn impl_record(record: &Record) -> TokenStream {
    let input = record.input;
    let ident = input.ident;
    let generic = is_generic(input.generics);
    let params = Params {
        generics: input.generics,
        generic,
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let this = quote!(#ident #ty_generics);

    let (dependent, concrete): (Vec<&Field>, Vec<&Field>) =
        record.fields.iter().partition(|f| params.mention(f.ty));
    let consts = concrete
        .iter()
        .map(|f| field_const_item(f, &outside(input, f.ty)));

    let mut predicates: Vec<WherePredicate> = where_clause
        .map(|w| w.predicates.iter().cloned().collect())
        .unwrap_or_default();
    predicates.extend(dependent.iter().map(|f| {
        let ty = f.ty;
        let predicate: WherePredicate =
            syn::parse_quote_spanned!(f.span()=> #ty: ::shmsafe::ShmSafe);
        predicate
    }));

    let any_concrete_atomic = concrete.iter().map(|f| {
        let name = field_const(f);
        quote!(|| #name.atomic)
    });
    let mutability = dependent.iter().fold(
        quote! {
            <::shmsafe::__private::Select<{ false #(#any_concrete_atomic)* }>
                as ::shmsafe::__private::Pick>::Mutability
        },
        |acc, f| {
            let ty = f.ty;
            quote!(<#acc as ::shmsafe::Mutability>::Or<<#ty as ::shmsafe::ShmSafe>::Mutability>)
        },
    );

    // The kind of each field, as the impl names it: a constant, so that the layout's `&`s
    // live as long as `KIND`.
    let field_kind = |f: &Field| {
        if params.mention(f.ty) {
            let ty = f.ty;
            quote_spanned!(f.span()=> <#ty as ::shmsafe::ShmSafe>::KIND)
        } else {
            let name = field_const(f);
            quote!(#name.kind)
        }
    };
    let layout_fields = record.fields.iter().map(|f| {
        let ty = f.ty;
        let member = &f.member;
        let name = &f.name;
        let kind = field_kind(f);
        quote_spanned! {f.span()=>
            ::shmsafe::Field::new(
                #name,
                ::shmsafe::__private::offset_of!(#this, #member),
                ::shmsafe::__private::size_of::<#ty>(),
                #kind,
            )
        }
    });

    let transparent = matches!(record.repr, Repr::Transparent);
    // Why the checks below are the whole argument, by the Reference (1.85,
    // https://doc.rust-lang.org/1.85.0/reference/type-layout.html):
    // - `#[repr(C)]` ("The C Representation"): fields in declaration order, each at the first
    //   offset after the previous one that is a multiple of its alignment, and the size rounded
    //   up to the struct's alignment. So the bytes not covered by a field are exactly the gaps
    //   between one field's end and the next one's offset, and after the last one: what the
    //   checks compare.
    // - `#[repr(transparent)]` ("The Transparent Representation"): the layout of the one field
    //   that is not a 1-aligned zero-sized type (the compiler rejects more than one). That field
    //   is `ShmSafe`, so without padding, and there is nothing to check.
    let (in_kind, at_item) = if transparent {
        (Vec::new(), Vec::new())
    } else if generic {
        let args = record_args(record, &field_kind);
        let record_name = record_name(input, &args);
        let in_kind = padding_checks(record, &record_name, &this, &|ty| ty.clone());
        (in_kind, prefix_checks(record, &params))
    } else {
        let this = outside_this(input);
        let record_name = record_name(input, &quote!());
        let checks = padding_checks(record, &record_name, &quote!(#this), &|ty| {
            outside(input, ty)
        });
        (Vec::new(), checks)
    };
    // Evaluating a padding check first evaluates the facts of the concrete fields: when one of
    // them is not `ShmSafe`, that is the one error, and the padding is not checked.
    let concrete_consts: Vec<Ident> = concrete.iter().map(|f| field_const(f)).collect();
    let at_item = at_item.iter().map(|(_, check)| {
        quote! {
            const _: () = {
                let _ = (#(#concrete_consts.atomic,)*);
                #check
            };
        }
    });
    // In `KIND`, inline constants (control flow here would keep the layout's `&`s below from
    // being promoted to `'static`), spanned on their field like the checks themselves.
    let in_kind = in_kind
        .iter()
        .map(|(span, check)| quote_spanned!(*span=> const #check;));

    let name = ident.to_string();
    quote! {
        #[allow(deprecated, non_upper_case_globals, clippy::all)]
        const _: () = {
            #(#consts)*

            #[automatically_derived]
            // SAFETY: `#[derive(ShmSafe)]` checked that the struct is `repr(C)` or
            // `repr(transparent)`, that every field type is `ShmSafe` (through the field's
            // constant or the `where` clause), and that the fields leave no padding (the checks
            // below, and in `KIND` for what depends on the parameters); `KIND` describes the
            // fields with offsets from `offset_of!` and sizes from `size_of`.
            unsafe impl #impl_generics ::shmsafe::ShmSafe for #this
            where
                #(#predicates,)*
            {
                type Mutability = #mutability;
                const KIND: ::shmsafe::Kind = {
                    #(#in_kind)*
                    // A braced literal: `&` in a field of one lives as long as the constant,
                    // where an argument of a call would not.
                    ::shmsafe::Kind::Record {
                        0: &::shmsafe::Layout::new(
                            #name,
                            ::shmsafe::__private::size_of::<Self>(),
                            ::shmsafe::__private::align_of::<Self>(),
                            &[#(#layout_fields),*],
                        ),
                    }
                };
            }

            #(#at_item)*
        };
    }
}

/// The arguments of a generic struct, for naming an instantiation in messages: a type parameter
/// that is a field's whole type by the kind of that field, a const parameter by its value.
fn record_args(record: &Record, kind: &dyn Fn(&Field) -> TokenStream) -> TokenStream {
    let args = record
        .input
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Lifetime(_) => None,
            GenericParam::Type(p) => {
                // A field whose type is `P`, or an array of `P` (`[[P; 2]; N]`).
                let found = record.fields.iter().find_map(|f| {
                    let mut ty = f.ty;
                    let mut depth = 0_usize;
                    while let Type::Array(array) = ty {
                        ty = &array.elem;
                        depth += 1;
                    }
                    let is_param = matches!(
                        ty,
                        Type::Path(t) if t.qself.is_none() && t.path.is_ident(&p.ident)
                    );
                    is_param.then_some((f, depth))
                });
                Some(match found {
                    Some((f, 0)) => {
                        let kind = kind(f);
                        quote!(::shmsafe::__private::Arg::Type(&#kind))
                    }
                    Some((f, depth)) => {
                        let kind = kind(f);
                        quote!(::shmsafe::__private::Arg::Element(&#kind, #depth))
                    }
                    None => quote!(::shmsafe::__private::Arg::Unknown),
                })
            }
            GenericParam::Const(p) => {
                let ident = &p.ident;
                Some(quote!(::shmsafe::__private::Arg::Const(#ident as i128)))
            }
        });
    quote!(#(#args),*)
}

fn record_name(input: &Input, args: &TokenStream) -> TokenStream {
    let name = input.ident.to_string();
    quote!(::shmsafe::__private::Record { name: #name, args: &[#args] })
}

/// One padding check: the span of the field it is about, and a block that panics with the
/// message if there is one.
type Check = (Span, TokenStream);

/// `{ if message.failed() { panic!(message) } }`, spanned on `span`.
fn fail_if(span: Span, message: TokenStream) -> Check {
    let block = quote_spanned! {span=>
        {
            let message = { #message };
            if message.failed() {
                ::core::panic!("{}", message.as_str());
            }
        }
    };
    (span, block)
}

/// One check per pair of neighbouring fields and one after the last field, each in its own
/// block spanned on the field after the gap (the last field for trailing padding).
fn padding_checks(
    record: &Record,
    record_name: &TokenStream,
    this: &TokenStream,
    field_type: &dyn Fn(&Type) -> Type,
) -> Vec<Check> {
    let end = |f: &Field| {
        let member = &f.member;
        let ty = field_type(f.ty);
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
        checks.push(fail_if(
            after.span(),
            quote! {
                ::shmsafe::__private::gap(
                    #record_name,
                    #before_name,
                    #after_name,
                    #before_end,
                    ::shmsafe::__private::offset_of!(#this, #member),
                )
            },
        ));
    }
    if let Some(last) = record.fields.last() {
        let last_name = &last.name;
        let last_end = end(last);
        checks.push(fail_if(
            last.span(),
            quote! {
                ::shmsafe::__private::tail(
                    #record_name,
                    #last_name,
                    #last_end,
                    ::shmsafe::__private::size_of::<#this>(),
                )
            },
        ));
    }
    checks
}

/// For a generic `#[repr(C)]` struct, the gaps that do not depend on its parameters, checked
/// where it is defined: those between the fields before the first one whose type depends on
/// them, computed with `#[repr(C)]`'s rule (each field at the next multiple of its alignment).
/// A `PhantomData` field counts as zero bytes aligned to 1, whatever it is of. When no field
/// depends on the parameters, the trailing padding too.
fn prefix_checks(record: &Record, params: &Params) -> Vec<Check> {
    let input = record.input;
    let prefix: Vec<(&Field, Type)> = record
        .fields
        .iter()
        .map_while(|f| {
            if is_phantom(f.ty) {
                Some((f, syn::parse_quote!(::core::marker::PhantomData<()>)))
            } else if params.mention(f.ty) {
                None
            } else {
                Some((f, outside(input, f.ty)))
            }
        })
        .collect();
    let unknown = input
        .generics
        .params
        .iter()
        .filter(|p| !matches!(p, GenericParam::Lifetime(_)))
        .map(|_| quote!(::shmsafe::__private::Arg::Unknown));
    let record_name = record_name(input, &quote!(#(#unknown),*));
    let size = |ty: &Type| quote!(::shmsafe::__private::size_of::<#ty>());
    let align = |ty: &Type| quote!(::shmsafe::__private::align_of::<#ty>());
    let mut checks = Vec::new();
    // `ends[i]`: where field `i` of the prefix ends, as an expression.
    let mut ends: Vec<TokenStream> = Vec::new();
    for (i, (field, ty)) in prefix.iter().enumerate() {
        let size = size(ty);
        if i == 0 {
            ends.push(size);
            continue;
        }
        let before = &prefix[i - 1].0;
        let end = &ends[i - 1];
        let start = {
            let align = align(ty);
            quote!(::shmsafe::__private::place(#end, #align))
        };
        let (before_name, after_name) = (&before.name, &field.name);
        checks.push(fail_if(
            field.span(),
            quote! {
                ::shmsafe::__private::gap(#record_name, #before_name, #after_name, #end, #start)
            },
        ));
        ends.push(quote!(#start + #size));
    }
    if prefix.len() == record.fields.len() {
        if let Some((last, _)) = prefix.last() {
            let end = ends.last().expect("one end per field");
            let repr_align = match record.repr {
                Repr::C { align: Some(bytes) } => bytes as usize,
                _ => 1,
            };
            let aligns = prefix.iter().map(|(_, ty)| align(ty));
            let last_name = &last.name;
            checks.push(fail_if(
                last.span(),
                quote! {
                    let mut align = #repr_align;
                    #(
                        if #aligns > align {
                            align = #aligns;
                        }
                    )*
                    let end = #end;
                    ::shmsafe::__private::tail(
                        #record_name,
                        #last_name,
                        end,
                        ::shmsafe::__private::place(end, align),
                    )
                },
            ));
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generics_are_found_by_name_in_field_types() {
        let generics: Generics = syn::parse_quote!(<'a, T, const N: usize>);
        let params = Params {
            generics: &generics,
            generic: true,
        };
        let mentions = |ty: &str| params.mention(&syn::parse_str(ty).unwrap());
        assert!(mentions("T"));
        assert!(mentions("[u8; N]"));
        assert!(mentions("PhantomData<&'a u8>"));
        assert!(mentions("Vec<Option<T>>"));
        assert!(mentions("PhantomData<Self>"));
        assert!(!mentions("u64"));
        assert!(!mentions("&'static str"));
        assert!(!mentions("Tee"));
    }

    #[test]
    fn self_and_lifetimes_are_named_from_outside() {
        let input: DeriveInput = syn::parse_quote!(
            struct View<'a> {
                a: PhantomData<&'a Self>,
                b: [Self; 0],
            }
        );
        let ast = Input::from_syn(&input);
        let fields = ast.fields().unwrap();
        let shown: Vec<String> = fields
            .iter()
            .map(|f| check::display(&outside(&ast, f.ty)))
            .collect();
        assert_eq!(
            shown,
            ["PhantomData<&'static View<'static>>", "[View<'static>; 0]"]
        );
    }

    #[test]
    fn phantom_data_is_recognised_by_path() {
        for (ty, phantom) in [
            ("PhantomData<U>", true),
            ("core::marker::PhantomData<fn() -> U>", true),
            ("my::PhantomData<U>", false),
            ("U", false),
        ] {
            assert_eq!(is_phantom(&syn::parse_str(ty).unwrap()), phantom, "{ty}");
        }
    }
}
