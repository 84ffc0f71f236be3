// The seed's record, with its padding made explicit.
use shmsafe::{FixedStr, Kind, ShmSafe};

#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

fn main() {
    let Kind::Record(layout) = Row::KIND else { panic!("a record") };
    assert_eq!(layout.size(), 24);
    assert_eq!(layout.fields().len(), 4);
}
