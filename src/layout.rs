//! The layout descriptor: what a `ShmSafe` type looks like in memory.
//!
//! `#[derive(ShmSafe)]` describes each record as a [`Layout`]: its size, alignment and, per field,
//! the name, the offset (taken from `core::mem::offset_of!`, never computed by hand), the size and
//! the [`Kind`]. From that description come the [fingerprint](crate::ShmSafe::FINGERPRINT) that
//! `SharedArray` checks on open, a [`Display`](core::fmt::Display) that reads like a numpy dtype,
//! and a [numpy dtype description](Layout::numpy_dtype) a Python process can use.

use core::fmt::{self, Write as _};

/// What a value of a [`ShmSafe`](crate::ShmSafe) type is, as another language would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// An integer of `bytes` bytes.
    Int {
        /// Whether it is signed.
        signed: bool,
        /// Its width in bytes: 1, 2, 4, 8 or 16.
        bytes: u8,
    },
    /// An IEEE 754 float of `bytes` bytes.
    Float {
        /// Its width in bytes: 4 or 8.
        bytes: u8,
    },
    /// An atomic integer of `bytes` bytes: stored like an integer, mutated only atomically.
    Atomic {
        /// Whether it is signed.
        signed: bool,
        /// Its width in bytes: 1, 2, 4 or 8.
        bytes: u8,
    },
    /// Bytes of text, NUL-padded: a [`FixedStr<N>`](crate::FixedStr), numpy's `'SN'`.
    Bytes {
        /// The number of bytes, `N`.
        len: usize,
    },
    /// A fixed-size array `[T; len]`.
    Array {
        /// The kind of each element.
        elem: &'static Kind,
        /// The size of each element in bytes.
        elem_size: usize,
        /// The number of elements.
        len: usize,
    },
    /// A record: a struct that derives `ShmSafe`.
    Record(&'static Layout),
    /// A type with no bytes: `()` or `PhantomData<T>`.
    ///
    /// (A type that is stored as another has that type's kind: `Option<NonZeroU32>` and
    /// `Wrapping<u32>` are [`Int`](Kind::Int)s of 4 bytes.)
    Empty,
}

/// The layout of a record (a struct that derives [`ShmSafe`](crate::ShmSafe)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    name: &'static str,
    size: usize,
    align: usize,
    fields: &'static [Field],
}

/// One field of a record's [`Layout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    name: &'static str,
    offset: usize,
    size: usize,
    kind: Kind,
}

impl Kind {
    /// A numpy dtype description of this kind, as JSON that is also a Python literal: a format
    /// string such as `"<f8"` or `"S6"`, or for a record the object [`Layout::numpy_dtype`]
    /// describes.
    ///
    /// ```
    /// use shmsafe::{FixedStr, ShmSafe};
    /// assert_eq!(f64::KIND.numpy_dtype(), r#""<f8""#);
    /// assert_eq!(<FixedStr<6>>::KIND.numpy_dtype(), r#""S6""#);
    /// assert_eq!(<[[i32; 3]; 2]>::KIND.numpy_dtype(), r#""(2,3)<i4""#);
    /// ```
    pub fn numpy_dtype(&self) -> String {
        let mut out = String::new();
        write_numpy_format(&mut out, self).expect("writing to a String cannot fail");
        out
    }
}

impl Layout {
    /// Describes a record. Called by the code `#[derive(ShmSafe)]` generates.
    ///
    /// Nothing here is trusted for memory safety: `SharedArray` takes sizes from the type itself.
    pub const fn new(
        name: &'static str,
        size: usize,
        align: usize,
        fields: &'static [Field],
    ) -> Self {
        Layout {
            name,
            size,
            align,
            fields,
        }
    }

    /// The name of the Rust type, for messages. Not part of the fingerprint.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The size of one record in bytes (numpy's `itemsize`).
    pub const fn size(&self) -> usize {
        self.size
    }

    /// The alignment of a record in bytes.
    pub const fn align(&self) -> usize {
        self.align
    }

    /// The fields, in declaration order, which is also offset order, except that the compiler
    /// may place the zero-sized fields of a `#[repr(transparent)]` record anywhere.
    pub const fn fields(&self) -> &'static [Field] {
        self.fields
    }

    /// A numpy dtype description of the record, as JSON that is also a Python literal:
    /// `{"names": [...], "formats": [...], "offsets": [...], "itemsize": N}`.
    ///
    /// `np.dtype(json.loads(layout.numpy_dtype()))` builds the dtype of the record. Integers and
    /// floats are written with the byte order of this target (`<` on little-endian), a
    /// `FixedStr<N>` as `SN`, an array as `(N,)<f8`, a nested record as a nested description.
    /// Fields with no bytes (`PhantomData`, `()`) are left out; 16-byte integers, which numpy
    /// lacks, are `V16`. JSON has no tuples, so an array *of records* is written
    /// `[description, [shape]]`: turn that list into a tuple before handing it to numpy.
    ///
    /// # Examples
    ///
    /// ```
    /// use shmsafe::{FixedStr, ShmSafe, Kind};
    ///
    /// #[derive(ShmSafe)]
    /// #[repr(C)]
    /// struct Row {
    ///     date: i64,
    ///     val: f64,
    ///     name: FixedStr<6>,
    ///     _pad: [u8; 2],
    /// }
    ///
    /// let Kind::Record(layout) = Row::KIND else { unreachable!() };
    /// assert_eq!(
    ///     layout.numpy_dtype(),
    ///     r#"{"names": ["date", "val", "name", "_pad"], "formats": ["<i8", "<f8", "S6", "(2,)u1"], "offsets": [0, 8, 16, 22], "itemsize": 24}"#
    /// );
    /// ```
    pub fn numpy_dtype(&self) -> String {
        let mut out = String::new();
        write_numpy_record(&mut out, self).expect("writing to a String cannot fail");
        out
    }
}

impl Field {
    /// Describes a field. Called by the code `#[derive(ShmSafe)]` generates.
    pub const fn new(name: &'static str, offset: usize, size: usize, kind: Kind) -> Self {
        Field {
            name,
            offset,
            size,
            kind,
        }
    }

    /// The field's name (`"0"`, `"1"`, ... in a tuple struct).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The offset of the field from the start of the record, in bytes.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The size of the field in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// What the field holds.
    pub const fn kind(&self) -> Kind {
        self.kind
    }
}

const fn endian_char() -> char {
    if cfg!(target_endian = "little") {
        '<'
    } else {
        '>'
    }
}

/// Writes a numpy format string for a non-record kind (`<i8`, `S6`, `(2,3)<f4`).
fn write_numpy_scalar(out: &mut String, kind: &Kind) -> fmt::Result {
    match *kind {
        Kind::Int { signed, bytes } | Kind::Atomic { signed, bytes } => match bytes {
            1 => write!(out, "{}1", if signed { 'i' } else { 'u' }),
            16 => out.write_str("V16"),
            _ => write!(
                out,
                "{}{}{bytes}",
                endian_char(),
                if signed { 'i' } else { 'u' }
            ),
        },
        Kind::Float { bytes } => write!(out, "{}f{bytes}", endian_char()),
        Kind::Bytes { len } => write!(out, "S{len}"),
        Kind::Array { .. } | Kind::Record(_) | Kind::Empty => {
            unreachable!("handled by write_numpy_format")
        }
    }
}

/// Writes one entry of numpy's `formats` list: a quoted format string, or a nested description.
fn write_numpy_format(out: &mut String, kind: &Kind) -> fmt::Result {
    match kind {
        Kind::Record(layout) => write_numpy_record(out, layout),
        Kind::Array { .. } => {
            let (shape, inner) = array_shape(kind);
            match inner {
                // numpy's shorthand does not reach inside a record: [record, shape].
                Kind::Record(layout) => {
                    out.write_char('[')?;
                    write_numpy_record(out, layout)?;
                    let dims = shape.trim_matches(|c| c == '(' || c == ')' || c == ',');
                    write!(out, ", [{}]]", dims.replace(',', ", "))
                }
                Kind::Empty => out.write_str("\"V0\""),
                scalar => {
                    write!(out, "\"{shape}")?;
                    write_numpy_scalar(out, scalar)?;
                    out.write_char('"')
                }
            }
        }
        Kind::Empty => out.write_str("\"V0\""),
        scalar => {
            out.write_char('"')?;
            write_numpy_scalar(out, scalar)?;
            out.write_char('"')
        }
    }
}

/// The shape of nested arrays in numpy's notation and the kind of their elements:
/// `[[f32; 3]; 2]` is `("(2,3)", f32)`, `[u8; 2]` is `("(2,)", u8)`.
fn array_shape(kind: &Kind) -> (String, &Kind) {
    let mut dims = Vec::new();
    let mut inner = kind;
    while let Kind::Array { elem, len, .. } = inner {
        dims.push(len.to_string());
        inner = elem;
    }
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(","))
    };
    (shape, inner)
}

fn write_numpy_record(out: &mut String, layout: &Layout) -> fmt::Result {
    let fields: Vec<&Field> = layout.fields.iter().filter(|f| f.size > 0).collect();
    out.write_str("{\"names\": [")?;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "\"{}\"", f.name)?;
    }
    out.write_str("], \"formats\": [")?;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_numpy_format(out, &f.kind)?;
    }
    out.write_str("], \"offsets\": [")?;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{}", f.offset)?;
    }
    write!(out, "], \"itemsize\": {}}}", layout.size)
}

/// `<i8`, `S6`, `(2,)<f4`, or a nested record in braces.
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Record(layout) => fmt::Display::fmt(layout, f),
            Kind::Empty => f.write_str("V0"),
            Kind::Array { .. } => {
                let (shape, inner) = array_shape(self);
                write!(f, "{shape}{inner}")
            }
            Kind::Atomic { .. } => {
                let mut s = String::new();
                write_numpy_scalar(&mut s, self)?;
                write!(f, "atomic {s}")
            }
            scalar => {
                let mut s = String::new();
                write_numpy_scalar(&mut s, scalar)?;
                f.write_str(&s)
            }
        }
    }
}

/// Reads like a numpy dtype with offsets:
/// `Row {date: <i8 @0, val: <f8 @8, name: S6 @16, _pad: (2,)u1 @22} (24 bytes, align 8)`.
impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {{", self.name)?;
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: {} @{}", field.name, field.kind, field.offset)?;
        }
        let bytes = if self.size == 1 { "byte" } else { "bytes" };
        write!(f, "}} ({} {bytes}, align {})", self.size, self.align)
    }
}

/// FNV-1a, 64 bits: a fixed, documented function, so fingerprints do not depend on the
/// compiler's `Hasher`.
struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    const fn byte(self, b: u8) -> Self {
        Fnv((self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
    }

    const fn bytes(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self = self.byte(bytes[i]);
            i += 1;
        }
        self
    }

    /// Every number is hashed as 8 little-endian bytes, whatever the target's `usize`.
    const fn num(self, n: usize) -> Self {
        self.bytes(&(n as u64).to_le_bytes())
    }

    const fn str(self, s: &str) -> Self {
        self.num(s.len()).bytes(s.as_bytes())
    }

    const fn kind(self, kind: &Kind) -> Self {
        match *kind {
            Kind::Int { signed, bytes } => self.byte(1).byte(signed as u8).byte(bytes),
            Kind::Float { bytes } => self.byte(2).byte(bytes),
            Kind::Atomic { signed, bytes } => self.byte(3).byte(signed as u8).byte(bytes),
            Kind::Bytes { len } => self.byte(4).num(len),
            Kind::Array {
                elem,
                elem_size,
                len,
            } => self.byte(5).num(len).num(elem_size).kind(elem),
            Kind::Record(layout) => {
                let mut h = self
                    .byte(6)
                    .num(layout.size)
                    .num(layout.align)
                    .num(layout.fields.len());
                let mut i = 0;
                while i < layout.fields.len() {
                    let field = &layout.fields[i];
                    h = h
                        .str(field.name)
                        .num(field.offset)
                        .num(field.size)
                        .kind(&field.kind);
                    i += 1;
                }
                h
            }
            Kind::Empty => self.byte(7),
        }
    }
}

/// The fingerprint of a type of this kind, size and alignment on this target: see
/// [`ShmSafe::FINGERPRINT`](crate::ShmSafe::FINGERPRINT).
pub const fn fingerprint(kind: &Kind, size: usize, align: usize) -> u64 {
    Fnv::new()
        .bytes(b"shmsafe layout v1")
        .byte(cfg!(target_endian = "little") as u8)
        .num(size)
        .num(align)
        .kind(kind)
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    const INNER: Layout = Layout::new(
        "Inner",
        8,
        4,
        &[
            Field::new("a", 0, 4, Kind::Float { bytes: 4 }),
            Field::new("b", 4, 4, Kind::Bytes { len: 4 }),
        ],
    );

    #[test]
    fn fnv_matches_the_published_test_vector() {
        // FNV-1a 64 of "a" from the reference test suite.
        assert_eq!(Fnv::new().bytes(b"a").0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fingerprint_is_pinned() {
        // The value on little-endian targets. If it changes, segments written by older builds no
        // longer open: change the layout encoding only with a new format version.
        const PINNED: u64 = if cfg!(target_endian = "little") {
            0x19e6_2da0_5a81_d6cf
        } else {
            fingerprint(&Kind::Record(&INNER), 8, 4)
        };
        let fp = fingerprint(&Kind::Record(&INNER), 8, 4);
        assert_eq!(fp, PINNED, "{fp:#018x}");
        assert_ne!(fp, fingerprint(&Kind::Record(&INNER), 8, 8));
    }

    #[test]
    fn display_reads_like_a_dtype() {
        assert_eq!(
            INNER.to_string(),
            "Inner {a: <f4 @0, b: S4 @4} (8 bytes, align 4)"
        );
        let arr = Kind::Array {
            elem: &Kind::Array {
                elem: &Kind::Int {
                    signed: true,
                    bytes: 2,
                },
                elem_size: 2,
                len: 3,
            },
            elem_size: 6,
            len: 2,
        };
        assert_eq!(arr.to_string(), "(2,3)<i2");
    }

    #[test]
    fn display_shows_arrays_of_records_as_records() {
        const LEGS: Layout = Layout::new(
            "Trip",
            17,
            1,
            &[
                Field::new(
                    "legs",
                    0,
                    16,
                    Kind::Array {
                        elem: &Kind::Record(&INNER),
                        elem_size: 8,
                        len: 2,
                    },
                ),
                Field::new(
                    "n",
                    16,
                    1,
                    Kind::Int {
                        signed: false,
                        bytes: 1,
                    },
                ),
            ],
        );
        assert_eq!(
            LEGS.to_string(),
            "Trip {legs: (2,)Inner {a: <f4 @0, b: S4 @4} (8 bytes, align 4) @0, n: u1 @16} \
             (17 bytes, align 1)"
        );
        const ONE: Layout = Layout::new(
            "One",
            1,
            1,
            &[Field::new("n", 0, 1, Kind::Bytes { len: 1 })],
        );
        assert_eq!(ONE.to_string(), "One {n: S1 @0} (1 byte, align 1)");
    }

    #[test]
    fn numpy_dtype_nests_records_and_arrays() {
        const OUTER: Layout = Layout::new(
            "Outer",
            24,
            4,
            &[
                Field::new("inner", 0, 8, Kind::Record(&INNER)),
                Field::new(
                    "many",
                    8,
                    16,
                    Kind::Array {
                        elem: &Kind::Record(&INNER),
                        elem_size: 8,
                        len: 2,
                    },
                ),
                Field::new("none", 24, 0, Kind::Empty),
            ],
        );
        let inner =
            r#"{"names": ["a", "b"], "formats": ["<f4", "S4"], "offsets": [0, 4], "itemsize": 8}"#;
        assert_eq!(
            OUTER.numpy_dtype(),
            format!(
                r#"{{"names": ["inner", "many"], "formats": [{inner}, [{inner}, [2]]], "offsets": [0, 8], "itemsize": 24}}"#
            )
        );
    }
}
