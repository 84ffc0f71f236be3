use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(u8)]
enum Status {
    Active,
    Closed,
}

fn main() {}
