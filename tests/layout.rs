//! The layout descriptor: invariants of derived layouts, and properties of the fingerprint.
//!
//! Two independent oracles check the derive: `memoffset::span_of!` for the offset and size of
//! every field the layout reports (computed by `memoffset`'s own pointer arithmetic, not by
//! `core::mem::offset_of!` as the derive does), and `static_assertions` for which types are and
//! are not `ShmSafe` and `Immutable`.

use std::cell::Cell;
use std::marker::PhantomData;
use std::num::{NonZeroU32, NonZeroU64, Wrapping};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};

use proptest::prelude::*;
use shmsafe::layout::fingerprint;
use shmsafe::{Field, FixedStr, Immutable, Kind, Layout, ShmSafe};
use static_assertions::{assert_impl_all, assert_not_impl_any};

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

#[derive(ShmSafe)]
#[repr(C)]
struct Ids {
    parent: Option<NonZeroU64>,
    hits: Wrapping<u32>,
    child: Option<NonZeroU32>,
}

#[derive(ShmSafe)]
#[repr(transparent)]
struct Meters(PhantomData<String>, f64);

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    hits: AtomicU64,
    label: FixedStr<8>,
}

// Which types the checker's trait says can be shared, and which cannot be borrowed as bytes.
assert_impl_all!(Seed: ShmSafe, Immutable);
assert_impl_all!(Mixed: ShmSafe);
assert_not_impl_any!(Mixed: Immutable);
assert_impl_all!(Counter: ShmSafe);
assert_not_impl_any!(Counter: Immutable);
assert_impl_all!(Generic<f64, 3>: ShmSafe, Immutable);
assert_not_impl_any!(Generic<String, 3>: ShmSafe);
assert_not_impl_any!(Generic<AtomicU32, 3>: Immutable);
assert_impl_all!(Option<NonZeroU32>: ShmSafe, Immutable);
assert_impl_all!(Wrapping<u64>: ShmSafe, Immutable);
assert_impl_all!(Wrapping<AtomicU64>: ShmSafe);
assert_not_impl_any!(Wrapping<AtomicU64>: Immutable);
assert_impl_all!(PhantomData<String>: ShmSafe, Immutable);
assert_impl_all!(Meters: ShmSafe, Immutable);
assert_not_impl_any!(
    String: ShmSafe, Immutable
);
assert_not_impl_any!(bool: ShmSafe);
assert_not_impl_any!(char: ShmSafe);
assert_not_impl_any!(usize: ShmSafe);
assert_not_impl_any!(Option<u32>: ShmSafe);
assert_not_impl_any!(NonZeroU32: ShmSafe);
assert_not_impl_any!(Option<std::num::NonZeroUsize>: ShmSafe);
assert_not_impl_any!(AtomicBool: ShmSafe);
assert_not_impl_any!(Cell<u32>: ShmSafe);
assert_not_impl_any!(&'static u8: ShmSafe);
assert_not_impl_any!((u32, u32): ShmSafe);

/// The offset and size of every field, by `memoffset::span_of!`: `(name, start..end)`.
macro_rules! spans {
    ($t:ty { $($field:tt),* $(,)? }) => {
        vec![$((stringify!($field), memoffset::span_of!($t, $field))),*]
    };
}

/// The layout's fields as `(name, start..end)`.
fn reported<T: ShmSafe>() -> Vec<(&'static str, std::ops::Range<usize>)> {
    layout_of::<T>()
        .fields()
        .iter()
        .map(|f| (f.name(), f.offset()..f.offset() + f.size()))
        .collect()
}

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
fn offsets_and_sizes_agree_with_memoffset() {
    assert_eq!(
        reported::<Seed>(),
        spans!(Seed {
            date,
            val,
            name,
            _pad
        })
    );
    assert_eq!(reported::<Point>(), spans!(Point { x, y }));
    assert_eq!(
        reported::<Mixed>(),
        spans!(Mixed {
            points,
            hits,
            code,
            flag,
            small,
            wide,
            _marker,
            grid,
            _pad
        })
    );
    assert_eq!(
        reported::<Generic<u16, 6>>(),
        spans!(Generic<u16, 6> { items, count, _pad })
    );
    assert_eq!(
        reported::<Ids>(),
        spans!(Ids {
            parent,
            hits,
            child
        })
    );
    assert_eq!(reported::<Counter>(), spans!(Counter { hits, label }));
    // Tuple fields are named by position; `span_of!` takes them the same way.
    let tuple = reported::<Tuple>();
    assert_eq!(
        tuple,
        [
            ("0", memoffset::span_of!(Tuple, 0)),
            ("1", memoffset::span_of!(Tuple, 1)),
            ("2", memoffset::span_of!(Tuple, 2)),
        ]
    );
    let meters = reported::<Meters>();
    assert_eq!(
        meters,
        [
            ("0", memoffset::span_of!(Meters, 0)),
            ("1", memoffset::span_of!(Meters, 1)),
        ]
    );
}

#[test]
fn option_nonzero_and_wrapping_are_integers_in_the_layout_and_for_numpy() {
    let ids = layout_of::<Ids>();
    let kinds: Vec<Kind> = ids.fields().iter().map(Field::kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Int {
                signed: false,
                bytes: 8
            },
            Kind::Int {
                signed: false,
                bytes: 4
            },
            Kind::Int {
                signed: false,
                bytes: 4
            },
        ]
    );
    assert_eq!(
        ids.numpy_dtype(),
        r#"{"names": ["parent", "hits", "child"], "formats": ["<u8", "<u4", "<u4"], "offsets": [0, 8, 12], "itemsize": 16}"#
    );
    check_invariants::<Ids>();
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
