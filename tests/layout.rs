//! The layout descriptor: invariants of derived layouts, and properties of the fingerprint.

use std::marker::PhantomData;
use std::sync::atomic::AtomicU32;

use proptest::prelude::*;
use shmsafe::layout::fingerprint;
use shmsafe::{Field, FixedStr, Kind, Layout, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Seed {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

#[derive(ShmSafe)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Mixed {
    points: [Point; 3],
    hits: AtomicU32,
    code: u16,
    flag: u8,
    small: i8,
    wide: u128,
    _marker: PhantomData<String>,
    grid: [[u8; 3]; 2],
    _pad: [u8; 10],
}

#[derive(ShmSafe)]
#[repr(C)]
struct Generic<T, const N: usize> {
    items: [T; N],
    count: u32,
    _pad: [u8; 4],
}

#[derive(ShmSafe)]
#[repr(C)]
struct Tuple(u64, Point, FixedStr<8>);

fn layout_of<T: ShmSafe>() -> &'static Layout {
    match T::KIND {
        Kind::Record(layout) => layout,
        other => panic!("not a record: {other}"),
    }
}

/// Offsets ascending, fields not overlapping, no byte unaccounted for.
fn check_invariants<T: ShmSafe>() {
    let layout = layout_of::<T>();
    assert_eq!(layout.size(), size_of::<T>());
    assert_eq!(layout.align(), align_of::<T>());
    let mut end = 0;
    for field in layout.fields() {
        assert_eq!(
            field.offset(),
            end,
            "{}: field `{}` does not start where the previous ends",
            layout.name(),
            field.name()
        );
        end = field.offset() + field.size();
    }
    assert_eq!(end, layout.size(), "{}: trailing bytes", layout.name());
    let total: usize = layout.fields().iter().map(Field::size).sum();
    assert_eq!(total, layout.size());
}

#[test]
fn derived_layouts_account_for_every_byte() {
    check_invariants::<Seed>();
    check_invariants::<Point>();
    check_invariants::<Mixed>();
    check_invariants::<Generic<f64, 3>>();
    check_invariants::<Generic<u8, 4>>();
    check_invariants::<Tuple>();
}

#[test]
fn derived_layouts_describe_their_fields() {
    let seed = layout_of::<Seed>();
    let fields: Vec<_> = seed
        .fields()
        .iter()
        .map(|f| (f.name(), f.offset(), f.size(), f.kind()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "date",
                0,
                8,
                Kind::Int {
                    signed: true,
                    bytes: 8
                }
            ),
            ("val", 8, 8, Kind::Float { bytes: 8 }),
            ("name", 16, 6, Kind::Bytes { len: 6 }),
            (
                "_pad",
                22,
                2,
                Kind::Array {
                    elem: &Kind::Int {
                        signed: false,
                        bytes: 1
                    },
                    elem_size: 1,
                    len: 2
                }
            ),
        ]
    );
    assert_eq!(
        seed.to_string(),
        "Seed {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} (24 bytes, align 8)"
    );
    let mixed = layout_of::<Mixed>();
    assert!(
        matches!(mixed.fields()[0].kind(), Kind::Array { elem: Kind::Record(p), len: 3, .. } if p.name() == "Point")
    );
    assert!(matches!(
        mixed.fields()[1].kind(),
        Kind::Atomic {
            signed: false,
            bytes: 4
        }
    ));
    assert!(matches!(mixed.fields()[6].kind(), Kind::Empty));
}

#[test]
fn fingerprints_are_stable_and_tell_layouts_apart() {
    // The constant and a run-time computation agree.
    let seed = Seed::KIND;
    assert_eq!(Seed::FINGERPRINT, fingerprint(&seed, 24, 8));
    let all = [
        Seed::FINGERPRINT,
        Point::FINGERPRINT,
        Mixed::FINGERPRINT,
        Generic::<f64, 3>::FINGERPRINT,
        Generic::<f64, 4>::FINGERPRINT,
        Generic::<u64, 3>::FINGERPRINT,
        Tuple::FINGERPRINT,
        <[Point; 3]>::FINGERPRINT,
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn arb_scalar() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (any::<bool>(), prop::sample::select(vec![1_u8, 2, 4, 8, 16]))
            .prop_map(|(signed, bytes)| Kind::Int { signed, bytes }),
        prop::sample::select(vec![4_u8, 8]).prop_map(|bytes| Kind::Float { bytes }),
        (any::<bool>(), prop::sample::select(vec![1_u8, 2, 4, 8]))
            .prop_map(|(signed, bytes)| Kind::Atomic { signed, bytes }),
        (1_usize..64).prop_map(|len| Kind::Bytes { len }),
    ]
}

fn kind_size(kind: &Kind) -> usize {
    match *kind {
        Kind::Int { bytes, .. } | Kind::Float { bytes } | Kind::Atomic { bytes, .. } => {
            bytes as usize
        }
        Kind::Bytes { len } => len,
        Kind::Array { elem_size, len, .. } => elem_size * len,
        Kind::Record(layout) => layout.size(),
        _ => 0,
    }
}

/// A packed layout of the given (name, kind) fields.
fn build(fields: &[(String, Kind)]) -> (Kind, usize) {
    let mut offset = 0;
    let fields: Vec<Field> = fields
        .iter()
        .map(|(name, kind)| {
            let size = kind_size(kind);
            let field = Field::new(
                Box::leak(name.clone().into_boxed_str()),
                offset,
                size,
                *kind,
            );
            offset += size;
            field
        })
        .collect();
    let layout: &'static Layout = Box::leak(Box::new(Layout::new("R", offset, 1, leak(fields))));
    (Kind::Record(layout), offset)
}

fn arb_fields() -> impl Strategy<Value = Vec<(String, Kind)>> {
    prop::collection::vec(("[a-z_]{1,8}", arb_scalar()), 1..8)
}

proptest! {
    #[test]
    fn equal_layouts_have_equal_fingerprints(fields in arb_fields()) {
        let (a, size) = build(&fields);
        let (b, _) = build(&fields);
        prop_assert_eq!(fingerprint(&a, size, 1), fingerprint(&b, size, 1));
    }

    #[test]
    fn renaming_a_field_changes_the_fingerprint(fields in arb_fields(), i in any::<prop::sample::Index>()) {
        let (a, size) = build(&fields);
        let mut renamed = fields.clone();
        let i = i.index(renamed.len());
        renamed[i].0.push('x');
        let (b, _) = build(&renamed);
        prop_assert_ne!(fingerprint(&a, size, 1), fingerprint(&b, size, 1));
    }

    #[test]
    fn changing_a_kind_changes_the_fingerprint(
        fields in arb_fields(),
        i in any::<prop::sample::Index>(),
        kind in arb_scalar(),
    ) {
        let mut changed = fields.clone();
        let i = i.index(changed.len());
        prop_assume!(changed[i].1 != kind);
        changed[i].1 = kind;
        let (a, size_a) = build(&fields);
        let (b, size_b) = build(&changed);
        prop_assert_ne!(fingerprint(&a, size_a, 1), fingerprint(&b, size_b, 1));
    }

    #[test]
    fn reordering_fields_changes_the_fingerprint(fields in arb_fields()) {
        prop_assume!(fields.len() > 1 && fields[0] != fields[1]);
        let mut swapped = fields.clone();
        swapped.swap(0, 1);
        let (a, size) = build(&fields);
        let (b, _) = build(&swapped);
        prop_assert_ne!(fingerprint(&a, size, 1), fingerprint(&b, size, 1));
    }

    #[test]
    fn size_and_alignment_are_part_of_the_fingerprint(fields in arb_fields(), extra in 1_usize..64) {
        let (a, size) = build(&fields);
        prop_assert_ne!(fingerprint(&a, size, 1), fingerprint(&a, size + extra, 1));
        prop_assert_ne!(fingerprint(&a, size, 1), fingerprint(&a, size, 2));
    }

    #[test]
    fn numpy_descriptions_list_every_field(fields in arb_fields()) {
        let (kind, size) = build(&fields);
        let json = kind.numpy_dtype();
        prop_assert!(json.starts_with("{\"names\": ["), "{}", json);
        prop_assert!(json.ends_with(&format!("\"itemsize\": {size}}}")), "{}", json);
        for (name, _) in &fields {
            let quoted = format!("\"{name}\"");
            prop_assert!(json.contains(&quoted), "{}", json);
        }
    }
}
