use shmsafe::{Kind, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Point(f64, f64, i64);

fn main() {
    let Kind::Record(layout) = Point::KIND else { panic!("a record") };
    let names: Vec<_> = layout.fields().iter().map(|f| f.name()).collect();
    assert_eq!(names, ["0", "1", "2"]);
    assert_eq!(layout.fields()[2].offset(), 16);

    let Kind::Record(keywords) = Keywords::KIND else { panic!("a record") };
    assert_eq!(keywords.fields()[0].name(), "type");
    assert_eq!(keywords.fields()[1].name(), "match");
}

/// Raw identifiers are named without their `r#`, as Python and numpy will see them.
#[derive(ShmSafe)]
#[repr(C)]
struct Keywords {
    r#type: u32,
    r#match: f32,
}
