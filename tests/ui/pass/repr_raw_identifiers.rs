// `r#C` is `C`: identifiers are compared without `r#`.
use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(r#C)]
struct Row {
    r#type: u32,
    r#match: u32,
}

fn main() {
    let shmsafe::Kind::Record(layout) = Row::KIND else { unreachable!() };
    assert_eq!(layout.fields()[0].name(), "type");
    let _ = Row { r#type: 1, r#match: 2 };
}
