//! The fixed version of every record the compile-fail tests (`tests/ui/fail/`) refuse, one
//! module per rule, named like the test. The book's gallery of compile errors shows each error
//! next to its fix from this file, so every fix shown there is known to compile.
//!
//! ```text
//! cargo run --example derive_fixes
//! ```

use shmsafe::ShmSafe;

// The struct itself.

mod missing_repr {
    // ANCHOR: missing_repr
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)] // fields in declaration order, at the same offsets in every build
    pub struct Row {
        pub date: i64,
        pub val: f64,
    }
    // ANCHOR_END: missing_repr
}

mod repr_packed {
    // ANCHOR: repr_packed
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub flag: u8,
        pub _pad: [u8; 7], // where the compiler would have padded
        pub val: f64,
    }
    // ANCHOR_END: repr_packed
}

mod enum_record {
    // ANCHOR: enum_record
    /// 0 = active, 1 = closed; any other code is reported as invalid data when read.
    #[derive(shmsafe::ShmSafe, Clone, Copy, PartialEq, Eq)]
    #[repr(transparent)]
    pub struct Status(pub u8);

    impl Status {
        pub const ACTIVE: Status = Status(0);
        pub const CLOSED: Status = Status(1);
    }
    // ANCHOR_END: enum_record
}

mod union_record {
    // ANCHOR: union_record
    /// The 8 bytes, to be read as `u64` or as `f64::from_bits(bits)`, as the reader decides.
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Value {
        pub bits: u64,
    }
    // ANCHOR_END: union_record
}

// Pointers and heap ownership.

mod string_field {
    use shmsafe::FixedStr;
    // ANCHOR: string_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub date: i64,
        pub val: f64,
        pub name: FixedStr<6>, // six bytes inside the record, like numpy's 'S6'
        pub _pad: [u8; 2],
    }
    // ANCHOR_END: string_field
}

mod str_ref_field {
    use shmsafe::FixedStr;
    // ANCHOR: str_ref_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub val: f64,
        pub name: FixedStr<8>,
    }
    // ANCHOR_END: str_ref_field
}

mod vec_field {
    // ANCHOR: vec_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Series {
        pub start: i64,
        pub count: u32, // how many of the samples are used
        pub _pad: [u8; 4],
        pub samples: [f32; 16],
    }
    // ANCHOR_END: vec_field
}

mod box_field {
    // ANCHOR: box_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Node {
        pub value: u64,
        pub payload: [u8; 64], // the value itself, not a pointer to it
    }
    // ANCHOR_END: box_field
}

mod reference_field {
    // ANCHOR: reference_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Link {
        pub id: u64,
        pub next: u64, // the index of the next record in the same array
    }
    // ANCHOR_END: reference_field
}

mod raw_pointer_field {
    // ANCHOR: raw_pointer_field
    /// `len` bytes starting at index `start` of another shared array of bytes.
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Buffer {
        pub start: u64,
        pub len: u64,
    }
    // ANCHOR_END: raw_pointer_field
}

mod rc_arc_field {
    // ANCHOR: rc_arc_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Shared {
        pub config: [u8; 16], // shared memory is already shared: no reference count needed
        pub cache: u64,
    }
    // ANCHOR_END: rc_arc_field
}

mod hashmap_field {
    // ANCHOR: hashmap_field
    #[derive(shmsafe::ShmSafe, Clone, Copy)]
    #[repr(C)]
    pub struct Entry {
        pub key: u64,
        pub value: u64,
    }

    /// A small map as a sorted array: look keys up with `entries[..len].binary_search_by_key`.
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Index {
        pub version: u64,
        pub len: u64,
        pub entries: [Entry; 32],
    }
    // ANCHOR_END: hashmap_field
}

mod fn_pointer_field {
    // ANCHOR: fn_pointer_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Callback {
        pub id: u64,
        pub handler: u32, // a code; each process maps it to a function of its own
        pub _pad: [u8; 4],
    }

    pub fn handler(code: u32) -> Option<fn(u64) -> u64> {
        match code {
            0 => Some(|x| x + 1),
            1 => Some(|x| x * 2),
            _ => None,
        }
    }
    // ANCHOR_END: fn_pointer_field
}

// Every bit pattern valid.

mod bool_field {
    // ANCHOR: bool_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Flags {
        pub id: u32,
        pub active: u8, // 0 or 1; read it as `active != 0`
        pub _pad: [u8; 3],
    }
    // ANCHOR_END: bool_field
}

mod char_field {
    // ANCHOR: char_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Grade {
        pub student: u32,
        pub letter: u32, // read it with `char::from_u32(letter)`, which checks
    }
    // ANCHOR_END: char_field
}

mod option_field {
    // ANCHOR: option_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Reading {
        pub sensor: u64,
        pub value: f64,
        pub has_value: u8, // 0 = None
        pub _pad: [u8; 7],
    }
    // ANCHOR_END: option_field
}

mod nonzero_field {
    // ANCHOR: nonzero_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Account {
        pub id: u32, // read it with `NonZeroU32::new(id)`, which checks
        pub balance: u32,
    }
    // ANCHOR_END: nonzero_field
}

mod enum_field {
    // ANCHOR: enum_field
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Side {
        Buy,
        Sell,
    }

    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Order {
        pub price: f64,
        pub side: u32, // 0 = buy, 1 = sell
        pub quantity: u32,
    }

    impl Order {
        /// The side, or `None` for a code no variant has.
        pub fn side(&self) -> Option<Side> {
            match self.side {
                0 => Some(Side::Buy),
                1 => Some(Side::Sell),
                _ => None,
            }
        }
    }
    // ANCHOR_END: enum_field
}

// Fixed widths.

mod usize_field {
    // ANCHOR: usize_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Slot {
        pub index: u64, // convert with `usize::try_from(index)` where you index
        pub value: f64,
    }
    // ANCHOR_END: usize_field
}

mod isize_field {
    // ANCHOR: isize_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Delta {
        pub change: i64,
        pub value: f64,
    }
    // ANCHOR_END: isize_field
}

// Padding.

mod implicit_padding {
    // ANCHOR: implicit_padding
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub flag: u8,
        pub _pad: [u8; 7],
        pub val: f64,
    }

    /// Or reorder, largest alignment first; the tail still needs its padding written out.
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Reordered {
        pub val: f64,
        pub flag: u8,
        pub _pad: [u8; 7],
    }
    // ANCHOR_END: implicit_padding
}

mod trailing_padding {
    use shmsafe::FixedStr;
    // ANCHOR: trailing_padding
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub date: i64,
        pub val: f64,
        pub name: FixedStr<6>,
        pub _pad: [u8; 2], // 22 bytes of fields, 24 bytes of record
    }
    // ANCHOR_END: trailing_padding
}

mod generic_padding {
    // ANCHOR: generic_padding
    /// A generic record's padding depends on `T`. Write the record for the value type you
    /// store, with its padding spelled out.
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct TaggedU64 {
        pub tag: u8,
        pub _pad: [u8; 7],
        pub value: u64,
    }
    // ANCHOR_END: generic_padding
}

// No unsynchronised mutation.

mod cell_field {
    use std::sync::atomic::AtomicU64;
    // ANCHOR: cell_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Counter {
        pub id: u64,
        pub hits: AtomicU64, // `hits.fetch_add(1, Ordering::Relaxed)` from any process
    }
    // ANCHOR_END: cell_field
}

mod mutex_field {
    use std::sync::atomic::AtomicU64;
    // ANCHOR: mutex_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Guarded {
        pub value: AtomicU64, // one value needs no lock: update it atomically
    }
    // ANCHOR_END: mutex_field
}

mod atomic_bool_field {
    use std::sync::atomic::{AtomicU8, AtomicU64};
    // ANCHOR: atomic_bool_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct State {
        pub ready: AtomicU8, // 0 or 1
        pub _pad: [u8; 7],
        pub count: AtomicU64,
    }
    // ANCHOR_END: atomic_bool_field
}

// What syntax cannot see.

mod tuple_field {
    // ANCHOR: tuple_field
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Point {
        pub id: u64,
        pub xy: [f64; 2], // or a `#[repr(C)]` struct `Xy { x: f64, y: f64 }` that derives ShmSafe
    }
    // ANCHOR_END: tuple_field
}

mod alias_to_string {
    use shmsafe::FixedStr;
    // ANCHOR: alias_to_string
    type Name = FixedStr<16>;

    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Row {
        pub val: f64,
        pub name: Name,
    }
    // ANCHOR_END: alias_to_string
}

mod nested_not_shmsafe {
    // ANCHOR: nested_not_shmsafe
    #[derive(shmsafe::ShmSafe)] // the nested record derives it too
    #[repr(C)]
    pub struct Point {
        pub x: f64,
        pub y: f64,
    }

    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Segment {
        pub from: Point,
        pub to: Point,
    }
    // ANCHOR_END: nested_not_shmsafe
}

mod foreign_type {
    // ANCHOR: foreign_type
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Job {
        pub id: u64,
        pub timeout_ns: u64, // `Duration::from_nanos(timeout_ns)` on reading
    }
    // ANCHOR_END: foreign_type
}

mod generic_instantiation {
    use shmsafe::FixedStr;
    // ANCHOR: generic_instantiation
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Pair<T> {
        pub left: T,
        pub right: T,
    }

    pub type Names = Pair<FixedStr<8>>; // ShmSafe, because FixedStr<8> is
    // ANCHOR_END: generic_instantiation
}

mod several_bad_fields {
    use shmsafe::FixedStr;
    // ANCHOR: several_bad_fields
    #[derive(shmsafe::ShmSafe)]
    #[repr(C)]
    pub struct Trade {
        pub id: u64,
        pub price: f64,
        pub venue: FixedStr<8>,
        pub label: [u8; 16],
        pub cancelled: u8,
        pub has_counterparty: u8,
        pub _pad: [u8; 6],
        pub counterparty: u64,
    }
    // ANCHOR_END: several_bad_fields
}

fn main() {
    use std::sync::atomic::{AtomicU64, Ordering};

    // ANCHOR: atomic_bytes
    // Read an atomic field through its `load`; copy a whole record out with `read_from_bytes`.
    let counter = cell_field::Counter {
        id: 7,
        hits: AtomicU64::new(3),
    };
    let hits = counter.hits.load(Ordering::Relaxed);
    // ANCHOR_END: atomic_bytes

    let layouts = [
        missing_repr::Row::KIND,
        repr_packed::Row::KIND,
        enum_record::Status::KIND,
        union_record::Value::KIND,
        string_field::Row::KIND,
        str_ref_field::Row::KIND,
        vec_field::Series::KIND,
        box_field::Node::KIND,
        reference_field::Link::KIND,
        raw_pointer_field::Buffer::KIND,
        rc_arc_field::Shared::KIND,
        hashmap_field::Index::KIND,
        fn_pointer_field::Callback::KIND,
        bool_field::Flags::KIND,
        char_field::Grade::KIND,
        option_field::Reading::KIND,
        nonzero_field::Account::KIND,
        enum_field::Order::KIND,
        usize_field::Slot::KIND,
        isize_field::Delta::KIND,
        implicit_padding::Row::KIND,
        implicit_padding::Reordered::KIND,
        trailing_padding::Row::KIND,
        generic_padding::TaggedU64::KIND,
        cell_field::Counter::KIND,
        mutex_field::Guarded::KIND,
        atomic_bool_field::State::KIND,
        tuple_field::Point::KIND,
        alias_to_string::Row::KIND,
        nested_not_shmsafe::Segment::KIND,
        foreign_type::Job::KIND,
        generic_instantiation::Names::KIND,
        several_bad_fields::Trade::KIND,
    ];
    for layout in &layouts {
        println!("{layout}");
    }
    println!("{} fixed records compile", layouts.len());

    // Use the helpers, so that they are compiled and checked like the rest.
    let order = enum_field::Order {
        price: 1.5,
        side: 1,
        quantity: 10,
    };
    assert_eq!(order.side(), Some(enum_field::Side::Sell));
    assert_eq!(fn_pointer_field::handler(1).map(|f| f(21)), Some(42));
    assert!(enum_record::Status::ACTIVE != enum_record::Status::CLOSED);
    assert_eq!((counter.id, hits), (7, 3));
}
