use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Grade {
    student: u32,
    letter: char,
}

fn main() {}
