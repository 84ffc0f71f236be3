//! The syntactic pass: recognise the common offenders in field types and say, on the offending
//! type, why each cannot be shared and what to write instead.
//!
//! What syntax cannot see (type aliases, foreign types, nested structs) is caught by the trait
//! bounds in the generated code; this pass exists to give the precise message for the usual
//! mistakes.

use syn::{GenericArgument, PathArguments, Type, TypePath};

use crate::ast::Field;
use crate::ctxt::Ctxt;

/// Why a type cannot be shared, and what to write instead.
struct Refusal {
    why: &'static str,
    instead: String,
}

/// Checks one field; returns whether it passed.
pub fn field(field: &Field, cx: &mut Ctxt) -> bool {
    let mut ok = true;
    visit(field.ty, &mut |ty, refusal| {
        ok = false;
        let shown = display(ty);
        cx.error(
            ty,
            format!(
                "field `{}` cannot be shared between processes: `{shown}` {}; use {} instead",
                field.name, refusal.why, refusal.instead
            ),
        );
    });
    ok
}

fn display(ty: &Type) -> String {
    let s = quote::quote!(#ty).to_string();
    // `quote` spaces every token: undo the common cases for readability.
    s.replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("[ ", "[")
        .replace(" ]", "]")
        .replace(" ;", ";")
        .replace("* ", "*")
        .replace("( ", "(")
        .replace(" )", ")")
}

const POINTER: &str =
    "is an address in this process's memory, which means nothing in another process";
const HEAP: &str = "owns memory on this process's heap through a pointer, and another process \
                    would read an address that means nothing there";

fn visit(ty: &Type, report: &mut dyn FnMut(&Type, Refusal)) {
    match ty {
        Type::Array(array) => visit(&array.elem, report),
        Type::Group(group) => visit(&group.elem, report),
        Type::Paren(paren) => visit(&paren.elem, report),
        Type::Reference(reference) => {
            let instead = instead_of_pointer_to(Some(&reference.elem));
            report(
                ty,
                Refusal {
                    why: POINTER,
                    instead,
                },
            );
        }
        Type::Ptr(_) => report(
            ty,
            Refusal {
                why: POINTER,
                instead: "the value itself, or an integer index into another `SharedArray`".into(),
            },
        ),
        Type::BareFn(_) => report(
            ty,
            Refusal {
                why: "is the address of code in this process, and another process has its code \
                      elsewhere",
                instead: "an integer code that each process maps to its own function".into(),
            },
        ),
        Type::Slice(_) => report(
            ty,
            Refusal {
                why: "has no fixed size, so it cannot be stored inline in a record",
                instead: "a fixed-size array `[T; N]`".into(),
            },
        ),
        Type::TraitObject(_) => report(
            ty,
            Refusal {
                why: "is a trait object: its size and its methods are known only through \
                      pointers into this process",
                instead: "a concrete `ShmSafe` type, with an integer code for the variant".into(),
            },
        ),
        Type::Tuple(tuple) if !tuple.elems.is_empty() => report(
            ty,
            Refusal {
                why: "is a tuple, and tuples have no guaranteed layout: the compiler may order \
                      their fields differently in each build",
                instead: "a `#[repr(C)]` struct that derives `ShmSafe`".into(),
            },
        ),
        Type::Path(path) => {
            if let Some(refusal) = refuse_path(path) {
                report(ty, refusal);
            }
        }
        _ => {}
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// The first generic argument, shown, for suggestions like `[T; N]` -> `[u32; N]`.
fn first_arg(path: &TypePath) -> Option<&Type> {
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// What to store instead of a pointer to `pointee` (`Box<pointee>`, `Arc<pointee>`, ...).
fn instead_of_pointer_to(pointee: Option<&Type>) -> String {
    match pointee {
        Some(Type::TraitObject(_)) => {
            "an integer code for the variant, with the data it needs stored inline".into()
        }
        Some(Type::Slice(slice)) => {
            let elem = &slice.elem;
            format!("a fixed-size array `[{}; N]`", display(elem))
        }
        Some(t) if is_named(t, "str") => "`FixedStr<N>` (text in N bytes)".into(),
        Some(t) => format!(
            "the value (`{}`) itself, or an integer index into another `SharedArray`",
            display(t)
        ),
        None => "the value itself, or an integer index into another `SharedArray`".into(),
    }
}

fn refuse_path(path: &TypePath) -> Option<Refusal> {
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    // A single name, or a path into the standard library: `my::String` may be the user's own.
    let std_path = segments.len() == 1
        || segments
            .first()
            .is_some_and(|s| s.ident == "std" || s.ident == "core" || s.ident == "alloc");
    if !std_path {
        return None;
    }
    let last = segments.last()?;
    let name = last.ident.to_string();
    let arg = first_arg(path);
    let elem = arg.map_or_else(|| "T".into(), display);
    let refusal = |why: &'static str, instead: String| Some(Refusal { why, instead });
    match name.as_str() {
        "String" | "CString" | "OsString" | "PathBuf" | "Cow" => refusal(
            HEAP,
            "`FixedStr<N>` (text in N bytes, truncated explicitly)".into(),
        ),
        "str" | "CStr" | "OsStr" | "Path" => refusal(
            "has no fixed size, and is only ever reached through a pointer",
            "`FixedStr<N>` (text in N bytes, truncated explicitly)".into(),
        ),
        "Vec" | "VecDeque" | "LinkedList" | "BinaryHeap" => refusal(
            HEAP,
            format!("a fixed-size array `[{elem}; N]`, or a second `SharedArray` and an index"),
        ),
        "Box" | "Rc" | "Arc" | "Weak" => refusal(HEAP, instead_of_pointer_to(arg)),
        "HashMap" | "HashSet" | "BTreeMap" | "BTreeSet" => refusal(
            HEAP,
            "a sorted fixed-size array of entries, or a second `SharedArray` of entries".into(),
        ),
        "bool" => refusal(
            "has only two valid bit patterns, and another process may write any byte, which \
             would be undefined behaviour to read",
            "`u8` (0 or 1)".into(),
        ),
        "char" => refusal(
            "must be a Unicode scalar value, and another process may write any 4 bytes, which \
             would be undefined behaviour to read",
            "`u32`, or `FixedStr<4>` for one character of text".into(),
        ),
        "Option" | "Result" => refusal(
            "stores its tag in bit patterns that are not all valid, and another process may \
             write any bytes, which would be undefined behaviour to read",
            format!("the value (`{elem}`) with a separate `u8` flag field, or a sentinel value"),
        ),
        "NonZero" | "NonZeroU8" | "NonZeroU16" | "NonZeroU32" | "NonZeroU64" | "NonZeroU128"
        | "NonZeroI8" | "NonZeroI16" | "NonZeroI32" | "NonZeroI64" | "NonZeroI128"
        | "NonZeroUsize" | "NonZeroIsize" => {
            let plain = match name.strip_prefix("NonZero") {
                Some("") => elem,
                Some("Usize") => "u64".into(),
                Some("Isize") => "i64".into(),
                Some(int) => int.to_lowercase(),
                None => unreachable!(),
            };
            refusal(
                "makes zero an invalid value, and another process may write zero, which would \
                 be undefined behaviour to read",
                format!("the plain integer `{plain}`"),
            )
        }
        "usize" => refusal(
            "is 4 bytes on 32-bit targets and 8 on 64-bit ones, so two processes could \
             disagree on the layout",
            "`u64` (or `u32` if its range is enough)".into(),
        ),
        "isize" => refusal(
            "is 4 bytes on 32-bit targets and 8 on 64-bit ones, so two processes could \
             disagree on the layout",
            "`i64` (or `i32` if its range is enough)".into(),
        ),
        "AtomicUsize" => refusal(
            "has a width that depends on the target, so two processes could disagree on the \
             layout",
            "`AtomicU64`".into(),
        ),
        "AtomicIsize" => refusal(
            "has a width that depends on the target, so two processes could disagree on the \
             layout",
            "`AtomicI64`".into(),
        ),
        "AtomicBool" => refusal(
            "has only two valid bit patterns, and another process may write any byte",
            "`AtomicU8` (0 or 1)".into(),
        ),
        "AtomicPtr" => refusal(
            POINTER,
            "an `AtomicU64` index into another `SharedArray`".into(),
        ),
        "Cell" | "RefCell" | "UnsafeCell" | "OnceCell" | "SyncUnsafeCell" | "OnceLock"
        | "LazyCell" | "LazyLock" => refusal(
            "allows mutation through a shared reference without synchronisation, which races \
             with every other process reading the segment",
            "an atomic integer (`AtomicU32`, `AtomicU64`, ...), the one sanctioned way to share \
             mutable state"
                .into(),
        ),
        "Mutex" | "RwLock" | "Condvar" => refusal(
            "is a lock for the threads of one process: it is not process-shared, and its \
             state is not valid for every bit pattern",
            "atomic integers (`AtomicU32`, `AtomicU64`, ...) with a protocol of your own, or a \
             process-shared lock outside the record"
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ty: &str) -> Vec<String> {
        let ty: Type = syn::parse_str(ty).unwrap();
        let mut found = Vec::new();
        visit(&ty, &mut |t, r| {
            found.push(format!("{} -> {}", display(t), r.instead))
        });
        found
    }

    #[test]
    fn offenders_are_found_inside_arrays_and_shown_readably() {
        assert_eq!(
            refused("[[Option<u64>; 2]; 3]"),
            [
                "Option<u64> -> the value (`u64`) with a separate `u8` flag field, or a sentinel value"
            ]
        );
        assert_eq!(
            refused("&'a str"),
            ["&'a str -> `FixedStr<N>` (text in N bytes)"]
        );
        assert_eq!(
            refused("Box<dyn std::any::Any>"),
            [
                "Box<dyn std::any::Any> -> an integer code for the variant, with the data it needs stored inline"
            ]
        );
        assert_eq!(
            refused("Arc<[u8]>"),
            ["Arc<[u8]> -> a fixed-size array `[u8; N]`"]
        );
        assert_eq!(
            refused("&'static [f64]"),
            ["&'static [f64] -> a fixed-size array `[f64; N]`"]
        );
        assert_eq!(
            refused("std::num::NonZeroU16"),
            ["std::num::NonZeroU16 -> the plain integer `u16`"]
        );
    }

    #[test]
    fn what_the_bounds_check_is_left_alone() {
        for ok in [
            "u64",
            "[f64; 4]",
            "::core::primitive::u64",
            "PhantomData<String>",
            "my::String",
            "<T as Trait>::Assoc",
            "()",
            "T",
        ] {
            assert!(refused(ok).is_empty(), "{ok}: {:?}", refused(ok));
        }
    }
}
