//! Snapshots of the generated code: what `#[derive(ShmSafe)]` expands to for a plain record, a
//! generic one, a transparent newtype and a record with an error, pretty-printed and compared with
//! `tests/snapshots/*.rs`. A change to the expansion shows up here as a readable diff; after
//! checking it, `SNAPSHOT=overwrite cargo test -p shmsafe-derive snapshot` rewrites them.
//! (A unit test of the crate: a proc-macro crate can export nothing but its macros.)

use std::path::Path;

fn check(name: &str, input: &str) {
    let input: syn::DeriveInput = syn::parse_str(input).expect("the case parses");
    let tokens = crate::expand::derive(&input);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
    let got = prettyplease::unparse(&file);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.rs"));
    if std::env::var_os("SNAPSHOT").is_some_and(|v| v == "overwrite") {
        std::fs::write(&path, &got).expect("the snapshot is writable");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with SNAPSHOT=overwrite", path.display()));
    assert!(
        got == want,
        "the expansion of `{name}` changed; compare with {}:\n{got}",
        path.display()
    );
}

#[test]
fn seed_record() {
    check(
        "seed_record",
        "#[repr(C)] struct Row { date: i64, val: f64, name: FixedStr<6>, _pad: [u8; 2] }",
    );
}

#[test]
fn generic_record() {
    check(
        "generic_record",
        "#[repr(C)] struct Tagged<T, U> where T: Copy { tag: u8, raw: u64, value: T, _of: PhantomData<U> }",
    );
}

#[test]
fn transparent_newtype() {
    check(
        "transparent_newtype",
        "#[repr(transparent)] struct Meters(PhantomData<Self>, f64);",
    );
}

#[test]
fn record_with_errors() {
    check(
        "record_with_errors",
        "#[repr(C)] struct Sample<T> where T: Copy, { value: T, valid: bool, name: Name }",
    );
}
