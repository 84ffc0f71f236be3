// `r#packed` and `r#repr` are the same words to the compiler, and to the checker.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C, r#packed)]
struct Row {
    flag: u8,
    val: u64,
}

#[derive(ShmSafe)]
#[r#repr(packed)]
struct Other {
    flag: u8,
    val: u64,
}

fn main() {}
