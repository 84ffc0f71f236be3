use shmsafe::{Kind, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Segment {
    from: Point,
    to: Point,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Path {
    segments: [Segment; 4],
    id: u64,
}

fn main() {
    let Kind::Record(layout) = Path::KIND else { panic!("a record") };
    assert!(matches!(layout.fields()[0].kind(), Kind::Array { len: 4, .. }));
    assert_ne!(Segment::FINGERPRINT, Path::FINGERPRINT);
}
