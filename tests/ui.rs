//! Compile-fail tests: one file per rule of the checker, with the compiler's output checked in
//! next to it (the book shows these `.stderr` files); and compile-pass tests for what it
//! accepts, which are also run.
//!
//! Both sets are in one `TestCases` on purpose: with a pass case present, trybuild *builds*
//! every case instead of only checking it, and the padding of a generic record can only be
//! checked when it is instantiated, at code generation.

#[test]
fn the_checker_refuses_what_cannot_be_shared_and_accepts_the_rest() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
