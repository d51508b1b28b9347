//! Field kinds: how a table entry `name: Kind(start, width)` is read from the bits and how it
//! is reported to a [`FieldVisitor`]. Values are kept raw, as on the wire; the visitor sees
//! them scaled to the canonical units (knots, degrees, metres), sentinels included.

use crate::bits::Bits;

/// Receives a message's fields, in canonical order, with canonical names and units.
///
/// This is how `haidang decode` writes JSON and how the conformance test compares, so that
/// there is one mapping from wire to canonical fields. "Not available" sentinels are reported
/// as their numbers (181 for longitude, 102.3 for speed, 511 for heading...).
pub trait FieldVisitor {
    /// An unsigned integer field.
    fn uint(&mut self, name: &'static str, value: u64);
    /// A signed integer field.
    fn int(&mut self, name: &'static str, value: i64);
    /// A scaled field (degrees, knots, metres).
    fn float(&mut self, name: &'static str, value: f64);
    /// A one-bit flag.
    fn flag(&mut self, name: &'static str, value: bool);
    /// A six-bit text field, cut at the first `@` and trimmed of trailing spaces.
    fn text(&mut self, name: &'static str, value: &str);
}

/// How one kind of field is read and reported.
pub(crate) trait Kind {
    type Value;
    fn read(bits: &Bits, start: usize, width: usize) -> Self::Value;
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &Self::Value, v: &mut V);
}

/// Unsigned integer.
pub(crate) struct U;
impl Kind for U {
    type Value = u32;
    fn read(bits: &Bits, start: usize, width: usize) -> u32 {
        bits.uint(start, width)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &u32, v: &mut V) {
        v.uint(name, u64::from(*value));
    }
}

/// Signed integer.
pub(crate) struct I;
impl Kind for I {
    type Value = i32;
    fn read(bits: &Bits, start: usize, width: usize) -> i32 {
        bits.int(start, width)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &i32, v: &mut V) {
        v.int(name, i64::from(*value));
    }
}

/// One-bit flag.
pub(crate) struct Flag;
impl Kind for Flag {
    type Value = bool;
    fn read(bits: &Bits, start: usize, _width: usize) -> bool {
        bits.flag(start)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &bool, v: &mut V) {
        v.flag(name, *value);
    }
}

/// Unsigned tenths: speed in 0.1 kn, course in 0.1 degree, draught in 0.1 m.
pub(crate) struct Tenths;
impl Kind for Tenths {
    type Value = u32;
    fn read(bits: &Bits, start: usize, width: usize) -> u32 {
        bits.uint(start, width)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &u32, v: &mut V) {
        v.float(name, f64::from(*value) / 10.0);
    }
}

/// Signed longitude or latitude in 1/10,000 minute.
pub(crate) struct Deg4;
impl Kind for Deg4 {
    type Value = i32;
    fn read(bits: &Bits, start: usize, width: usize) -> i32 {
        bits.int(start, width)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &i32, v: &mut V) {
        v.float(name, f64::from(*value) / 600_000.0);
    }
}

/// Signed longitude or latitude in 1/10 minute (types 17, 22, 23, 27).
pub(crate) struct Deg1;
impl Kind for Deg1 {
    type Value = i32;
    fn read(bits: &Bits, start: usize, width: usize) -> i32 {
        bits.int(start, width)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &i32, v: &mut V) {
        v.float(name, f64::from(*value) / 600.0);
    }
}

/// Six-bit text; the width is in bits.
pub(crate) struct Text;
impl Kind for Text {
    type Value = String;
    fn read(bits: &Bits, start: usize, width: usize) -> String {
        bits.text(start, width / 6)
    }
    fn visit<V: FieldVisitor + ?Sized>(name: &'static str, value: &String, v: &mut V) {
        v.text(name, value);
    }
}

/// Declares a message body whose fields are all fixed in place: the struct, its decoder and
/// its visitor come from one table of `name: Kind(start_bit, width_bits)`.
macro_rules! ais_body {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $kind:ident($start:expr, $width:expr) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $crate::ais::fields::kind_ty!($kind), )*
        }

        impl $name {
            pub(crate) fn decode(bits: &$crate::bits::Bits) -> Self {
                use $crate::ais::fields::Kind as _;
                Self { $( $field: $crate::ais::fields::$kind::read(bits, $start, $width), )* }
            }

            pub(crate) fn visit<V: $crate::ais::fields::FieldVisitor + ?Sized>(&self, v: &mut V) {
                use $crate::ais::fields::Kind as _;
                $( $crate::ais::fields::$kind::visit(stringify!($field), &self.$field, v); )*
            }
        }
    };
}

/// The Rust type that holds a field of each kind, spelled out so that public fields have
/// plain types.
macro_rules! kind_ty {
    (U) => {
        u32
    };
    (I) => {
        i32
    };
    (Flag) => {
        bool
    };
    (Tenths) => {
        u32
    };
    (Deg4) => {
        i32
    };
    (Deg1) => {
        i32
    };
    (Text) => {
        String
    };
}

pub(crate) use {ais_body, kind_ty};
