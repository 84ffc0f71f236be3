//! Code generation: the `ShmSafe` impl with one bound per field type, the layout description,
//! and the compile-time padding checks. Everything lives inside `const _: () = { ... };` and
//! names the crate as `::shmsafe` and the core library as `::core`.

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{DeriveInput, Generics, Lifetime, Type, WherePredicate};

use crate::ast::{Field, Record};
use crate::check;
use crate::ctxt::Ctxt;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let Some(record) = Record::from_input(input, &mut cx) else {
        let errors = to_compile_errors(cx);
        let placeholder = placeholder(input);
        return quote!(#errors #placeholder);
    };
    // Every field is checked, so that several bad fields are all reported at once.
    let passed: Vec<bool> = record
        .fields
        .iter()
        .map(|f| check::field(f, &mut cx))
        .collect();
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
            let bounds = good
                .iter()
                .filter(|f| mentions_generics(f.ty, record.generics))
                .map(|f| bound(f));
            let uses = good.iter().map(|f| {
                let ty = f.ty;
                quote_spanned!(f.span()=> let _ = <#ty as ::shmsafe::ShmSafe>::KIND;)
            });
            let (impl_generics, _, where_clause) = record.generics.split_for_impl();
            let predicates = where_clause.map(|w| &w.predicates);
            let errors = errors.to_compile_error();
            let placeholder = placeholder(input);
            quote! {
                #errors
                #placeholder
                const _: () = {
                    #[allow(dead_code, clippy::all)]
                    fn __shmsafe_fields_that_passed #impl_generics ()
                    where
                        #predicates
                        #(#bounds,)*
                    {
                        #(#uses)*
                    }
                };
            }
        }
    }
}

/// After an error, an impl that claims nothing (no bytes, no fields), so that uses of the type
/// elsewhere do not add errors of their own to the ones that matter. It is never used: the
/// errors stop the build.
fn placeholder(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            #[automatically_derived]
            // SAFETY: never compiled into a program: `#[derive(ShmSafe)]` reported errors for
            // this type, which stop the build.
            unsafe impl #impl_generics ::shmsafe::ShmSafe for #ident #ty_generics #where_clause {
                type Mutability = ::shmsafe::Frozen;
                const KIND: ::shmsafe::Kind = ::shmsafe::Kind::Empty;
            }
        };
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
    // A bound on a concrete field type would be checked as a "trivial bound", with a note about
    // an unstable feature; the uses of `<FieldType as ShmSafe>` below, spanned on the field,
    // report a concrete type that is not `ShmSafe` just as well.
    predicates.extend(
        record
            .fields
            .iter()
            .filter(|f| mentions_generics(f.ty, record.generics))
            .map(bound),
    );

    let mutability = record
        .fields
        .iter()
        .fold(quote!(::shmsafe::Frozen), |acc, f| {
            let ty = f.ty;
            // Only the field's own projection is spanned on the field: a field that is not
            // `ShmSafe` is reported there, and once more at the derive, not at its neighbours.
            let field = quote_spanned!(f.span()=> <#ty as ::shmsafe::ShmSafe>::Mutability);
            quote!(<#acc as ::shmsafe::Mutability>::Or<#field>)
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

    let padding = if generic {
        padding_checks(record, &this, |ty| ty.clone())
    } else {
        // Item-level checks cannot name the struct's lifetimes: use `'static` for each.
        let statics = record.generics.lifetimes().map(|_| quote!('static));
        let this_static = if record.generics.lifetimes().next().is_some() {
            quote!(#ident<#(#statics),*>)
        } else {
            quote!(#ident)
        };
        padding_checks(record, &this_static, |ty| {
            let mut ty = ty.clone();
            StaticLifetimes(record.generics).visit_type_mut(&mut ty);
            ty
        })
    };
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

/// Whether `ty` names one of the struct's type, const or lifetime parameters.
fn mentions_generics(ty: &Type, generics: &Generics) -> bool {
    fn walk(tokens: TokenStream, generics: &Generics) -> bool {
        let mut after_quote = false;
        tokens.into_iter().any(|token| {
            let hit = match &token {
                TokenTree::Ident(ident) if after_quote => {
                    generics.lifetimes().any(|l| l.lifetime.ident == *ident)
                }
                TokenTree::Ident(ident) => {
                    generics.type_params().any(|p| p.ident == *ident)
                        || generics.const_params().any(|p| p.ident == *ident)
                }
                TokenTree::Group(group) => walk(group.stream(), generics),
                _ => false,
            };
            after_quote = matches!(&token, TokenTree::Punct(p) if p.as_char() == '\'');
            hit
        })
    }
    walk(quote!(#ty), generics)
}

fn has_type_or_const_params(generics: &Generics) -> bool {
    generics.type_params().next().is_some() || generics.const_params().next().is_some()
}

/// One check per pair of neighbouring fields, and one after the last field, each spanned on the
/// field after the gap (the last field for trailing padding).
fn padding_checks(
    record: &Record,
    this: &TokenStream,
    field_type: impl Fn(&Type) -> Type,
) -> Vec<TokenStream> {
    let name = record.ident.to_string();
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

/// Replaces the struct's own lifetime parameters with `'static`, so that a field type can be
/// named outside the struct's generics.
struct StaticLifetimes<'a>(&'a Generics);

impl VisitMut for StaticLifetimes<'_> {
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if self.0.lifetimes().any(|l| l.lifetime == *lifetime) {
            *lifetime = Lifetime::new("'static", lifetime.span());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generics_are_found_by_name_in_field_types() {
        let generics: Generics = syn::parse_quote!(<'a, T, const N: usize>);
        let mentions = |ty: &str| mentions_generics(&syn::parse_str(ty).unwrap(), &generics);
        assert!(mentions("T"));
        assert!(mentions("[u8; N]"));
        assert!(mentions("PhantomData<&'a u8>"));
        assert!(mentions("Vec<Option<T>>"));
        assert!(!mentions("u64"));
        assert!(!mentions("&'static str"));
        assert!(!mentions("Tee"));
    }
}
