//! Support for the code `#[derive(ShmSafe)]` generates. Not a public API: names here may change
//! in any release.

pub use core::mem::{align_of, offset_of, size_of};

use crate::layout::Kind;
use crate::safe::{Atomic, Frozen, Mutability, ShmSafe};

/// Why padding is refused, in every padding error.
const WHY: &str = "Padding is never written, so it would carry stale bytes into shared memory. ";

/// What the derive needs to know about a field's type: its kind and whether it is atomic. The
/// derive reads it through a trait of its own per field, whose message names the field.
#[derive(Clone, Copy)]
pub struct FieldFacts {
    /// `<T as ShmSafe>::KIND`.
    pub kind: Kind,
    /// `<T as ShmSafe>::Mutability::ATOMIC`.
    pub atomic: bool,
}

impl FieldFacts {
    /// The facts about `T`.
    pub const fn of<T: ShmSafe>() -> Self {
        FieldFacts {
            kind: T::KIND,
            atomic: <T::Mutability as Mutability>::ATOMIC,
        }
    }
}

/// A field's type, checked through a trait whose message names the field: `Field` is a type
/// parameter the derive names after the field (`fn check<date>() { <i64 as FieldType<date>> }`),
/// and the compiler shows a type parameter by its name.
#[diagnostic::on_unimplemented(
    message = "field `{Field}` cannot be shared between processes: `{Self}` is not `ShmSafe`",
    label = "`{Self}` is not `ShmSafe`",
    note = "another process can only use a value whose bytes are the whole value: fixed-width \
            integers and floats, `FixedStr<N>`, arrays of those, atomic integers, and \
            `#[repr(C)]` structs that `#[derive(ShmSafe)]`",
    note = "for text use `FixedStr<N>`, for collections a fixed-size array `[T; N]`, for a flag \
            or an enum an integer code (`u8`, `u32`)"
)]
pub trait FieldType<Field> {
    /// The facts about the type.
    const FACTS: FieldFacts;
}

// `do_not_recommend`: when a type is not `ShmSafe`, report `FieldType`, whose message names the
// field, rather than `ShmSafe`.
#[diagnostic::do_not_recommend]
impl<T: ShmSafe, Field> FieldType<Field> for T {
    const FACTS: FieldFacts = FieldFacts::of::<T>();
}

/// [`FieldType`] for a field of a tuple struct, named by its position.
#[diagnostic::on_unimplemented(
    message = "field `{INDEX}` cannot be shared between processes: `{Self}` is not `ShmSafe`",
    label = "`{Self}` is not `ShmSafe`",
    note = "another process can only use a value whose bytes are the whole value: fixed-width \
            integers and floats, `FixedStr<N>`, arrays of those, atomic integers, and \
            `#[repr(C)]` structs that `#[derive(ShmSafe)]`",
    note = "for text use `FixedStr<N>`, for collections a fixed-size array `[T; N]`, for a flag \
            or an enum an integer code (`u8`, `u32`)"
)]
pub trait TupleFieldType<const INDEX: usize> {
    /// The facts about the type.
    const FACTS: FieldFacts;
}

#[diagnostic::do_not_recommend]
impl<T: ShmSafe, const INDEX: usize> TupleFieldType<INDEX> for T {
    const FACTS: FieldFacts = FieldFacts::of::<T>();
}

/// A record's [`Mutability`] from a constant: `<Select<{ any field atomic }> as Pick>::Mutability`.
/// Computing it from a constant expression, whose terms are spanned on the fields, keeps a field
/// that is not `ShmSafe` from being reported a second time at the derive.
pub struct Select<const ATOMIC: bool>;

/// See [`Select`].
pub trait Pick {
    /// [`Frozen`] or [`Atomic`].
    type Mutability: Mutability;
}

impl Pick for Select<false> {
    type Mutability = Frozen;
}

impl Pick for Select<true> {
    type Mutability = Atomic;
}

/// A generic argument of a record, for naming the instantiation in messages (`Tagged<u64>`).
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// A type parameter whose kind is known (it is the type of a field).
    Type(&'a Kind),
    /// A type parameter that is the element of a field's array, `depth` arrays deep (`T` in a
    /// field `[[T; 2]; 3]` is the element of the field's kind 2 arrays deep).
    Element(&'a Kind, usize),
    /// A type parameter the layout does not see.
    Unknown,
    /// A const parameter's value.
    Const(i128),
}

/// The record a message is about: its name and, for a generic record, its arguments.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    /// The struct's name.
    pub name: &'a str,
    /// Its type and const arguments, in order (empty for a non-generic record).
    pub args: &'a [Arg<'a>],
}

/// The message, if `after` does not start right where `before` ends: the bytes in between
/// would be implicit padding. Empty when there is no gap.
pub const fn gap(
    record: Record<'_>,
    before: &str,
    after: &str,
    end: usize,
    start: usize,
) -> Message {
    if end == start {
        return Message::new();
    }
    if start < end {
        return Message::new()
            .str("`")
            .record(record)
            .str("`: field `")
            .str(after)
            .str("` starts at byte ")
            .num(start)
            .str(", before field `")
            .str(before)
            .str("` ends (at byte ")
            .num(end)
            .str("); a `#[repr(C)]` struct keeps its fields in order.");
    }
    let gap = start - end;
    Message::new()
        .str("`")
        .record(record)
        .str("` has ")
        .num(gap)
        .str(if gap == 1 { " byte" } else { " bytes" })
        .str(" of implicit padding between fields `")
        .str(before)
        .str("` (ends at byte ")
        .num(end)
        .str(") and `")
        .str(after)
        .str("` (starts at byte ")
        .num(start)
        .str("). ")
        .str(WHY)
        .str("Reorder the fields from largest to smallest alignment, or add `_pad: [u8; ")
        .num(gap)
        .str("]` after `")
        .str(before)
        .str("`.")
}

/// The message, if the record is larger than the end of its last field: trailing padding.
/// Empty when there is none.
pub const fn tail(record: Record<'_>, last: &str, end: usize, size: usize) -> Message {
    if end >= size {
        return Message::new();
    }
    let gap = size - end;
    Message::new()
        .str("`")
        .record(record)
        .str("` has ")
        .num(gap)
        .str(if gap == 1 { " byte" } else { " bytes" })
        .str(" of implicit padding after the last field `")
        .str(last)
        .str("` (ends at byte ")
        .num(end)
        .str(", the record is ")
        .num(size)
        .str(" bytes). ")
        .str(WHY)
        .str("Add `_pad: [u8; ")
        .num(gap)
        .str("]` after `")
        .str(last)
        .str("`, or reorder the fields.")
}

/// Where a `#[repr(C)]` struct places a field of alignment `align` that follows a field ending
/// at `end`: the next multiple of `align`. The derive uses it to check, at the definition of a
/// generic record, the gaps that do not depend on the parameters.
pub const fn place(end: usize, align: usize) -> usize {
    end.next_multiple_of(align)
}

/// A message built at compile time (const fns cannot format).
pub struct Message {
    buf: [u8; 1024],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message {
            buf: [0; 1024],
            len: 0,
        }
    }

    /// Whether there is a message at all (no message: the check passed).
    pub const fn failed(&self) -> bool {
        self.len > 0
    }

    const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        // Stop at a character boundary if the message is full.
        while i < bytes.len() && self.len < self.buf.len() - 4 {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        while i < bytes.len() && (bytes[i] & 0b1100_0000) == 0b1000_0000 {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < self.buf.len() {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    /// The record's name, with its arguments if it has any: `Tagged<u64>`.
    const fn record(mut self, record: Record<'_>) -> Self {
        self = self.str(record.name);
        if record.args.is_empty() {
            return self;
        }
        self = self.str("<");
        let mut i = 0;
        while i < record.args.len() {
            if i > 0 {
                self = self.str(", ");
            }
            self = match record.args[i] {
                Arg::Type(kind) => self.kind(kind),
                Arg::Element(mut kind, depth) => {
                    let mut left = depth;
                    while left > 0 {
                        if let Kind::Array { elem, .. } = kind {
                            kind = elem;
                        }
                        left -= 1;
                    }
                    self.kind(kind)
                }
                Arg::Unknown => self.str("_"),
                Arg::Const(n) => {
                    if n < 0 {
                        self.str("-").num(n.unsigned_abs() as usize)
                    } else {
                        self.num(n as usize)
                    }
                }
            };
            i += 1;
        }
        self.str(">")
    }

    /// A Rust type with this kind, as the layout sees it.
    const fn kind(self, kind: &Kind) -> Self {
        match *kind {
            Kind::Int { signed, bytes } => self
                .str(if signed { "i" } else { "u" })
                .num(bytes as usize * 8),
            Kind::Float { bytes } => self.str("f").num(bytes as usize * 8),
            Kind::Atomic { signed, bytes } => self
                .str(if signed { "AtomicI" } else { "AtomicU" })
                .num(bytes as usize * 8),
            Kind::Bytes { len } => self.str("FixedStr<").num(len).str(">"),
            Kind::Array { elem, len, .. } => self.str("[").kind(elem).str("; ").num(len).str("]"),
            Kind::Record(layout) => self.str(layout.name()),
            Kind::Empty => self.str("()"),
        }
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "a record has implicit padding",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_both_fields_and_the_gap() {
        let m = Message::new()
            .str("`R` has ")
            .num(7)
            .str(" bytes")
            .num(0)
            .num(12345);
        assert_eq!(m.as_str(), "`R` has 7 bytes012345");
        let r = Record {
            name: "R",
            args: &[],
        };
        let msg = gap(r, "a", "b", 1, 8);
        assert!(msg.failed());
        let msg = msg.as_str();
        assert!(msg.contains("7 bytes of implicit padding between fields `a` (ends at byte 1) and `b` (starts at byte 8)"), "{msg}");
        assert!(msg.contains("`_pad: [u8; 7]` after `a`"), "{msg}");
        assert!(!gap(r, "a", "b", 8, 8).failed());
        assert!(!tail(r, "z", 24, 24).failed());
        assert!(
            tail(r, "z", 22, 24)
                .as_str()
                .contains("2 bytes of implicit padding after the last field `z`")
        );
    }

    #[test]
    fn fields_out_of_order_are_not_a_huge_gap() {
        let r = Record {
            name: "W",
            args: &[],
        };
        let msg = gap(r, "a", "b", 4, 0);
        assert!(
            msg.as_str()
                .contains("starts at byte 0, before field `a` ends"),
            "{}",
            msg.as_str()
        );
    }

    #[test]
    fn instantiations_are_named_by_their_arguments() {
        let arr = Kind::Array {
            elem: &Kind::Float { bytes: 4 },
            elem_size: 4,
            len: 3,
        };
        let r = Record {
            name: "Tagged",
            args: &[
                Arg::Type(&Kind::Int {
                    signed: false,
                    bytes: 8,
                }),
                Arg::Type(&arr),
                Arg::Element(&arr, 1),
                Arg::Unknown,
                Arg::Const(-2),
                Arg::Type(&Kind::Bytes { len: 6 }),
            ],
        };
        let msg = tail(r, "z", 1, 8);
        assert!(
            msg.as_str()
                .starts_with("`Tagged<u64, [f32; 3], f32, _, -2, FixedStr<6>>` has 7 bytes"),
            "{}",
            msg.as_str()
        );
        assert_eq!(place(9, 8), 16);
        assert_eq!(place(16, 8), 16);
        assert_eq!(place(3, 1), 3);
    }
}
