//! A small JSON Lines writer: objects built field by field straight into a byte buffer,
//! with no intermediate values, so that `haidang decode` writes as fast as it decodes.

use haidang_nmea::FieldVisitor;

/// Writes one JSON object at a time into a reusable buffer.
#[derive(Debug, Default)]
pub(crate) struct JsonLine {
    buf: Vec<u8>,
    /// Whether the current object or array needs a comma before the next member.
    needs_comma: bool,
}

impl JsonLine {
    /// Starts a new object, discarding the previous one.
    pub(crate) fn begin(&mut self) {
        self.buf.clear();
        self.buf.push(b'{');
        self.needs_comma = false;
    }

    /// Ends the object and the line; the bytes are in [`JsonLine::as_bytes`].
    pub(crate) fn end(&mut self) {
        self.buf.extend_from_slice(b"}\n");
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// A member name: our names are plain identifiers, so they need no escaping.
    fn key(&mut self, name: &str) {
        debug_assert!(!name.bytes().any(needs_escape));
        if self.needs_comma {
            self.buf.push(b',');
        }
        self.needs_comma = true;
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// A JSON string from bytes: ASCII is escaped as JSON requires; other bytes (never
    /// valid in NMEA) are written as `\u00XX` so hostile input stays visible and inert.
    /// Runs that need no escaping, nearly everything, are copied whole.
    fn string(&mut self, mut bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.buf.push(b'"');
        while let Some(i) = bytes.iter().position(|&b| needs_escape(b)) {
            self.buf.extend_from_slice(&bytes[..i]);
            let b = bytes[i];
            match b {
                b'"' => self.buf.extend_from_slice(b"\\\""),
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                _ => self.buf.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]),
            }
            bytes = &bytes[i + 1..];
        }
        self.buf.extend_from_slice(bytes);
        self.buf.push(b'"');
    }

    pub(crate) fn str_field(&mut self, name: &str, value: &[u8]) {
        self.key(name);
        self.string(value);
    }

    pub(crate) fn u64_field(&mut self, name: &str, value: u64) {
        self.key(name);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    pub(crate) fn f64_field(&mut self, name: &str, value: f64) {
        self.key(name);
        if value.is_finite() {
            self.buf
                .extend_from_slice(ryu::Buffer::new().format_finite(value).as_bytes());
        } else {
            self.buf.extend_from_slice(b"null");
        }
    }

    pub(crate) fn opt_f64_field(&mut self, name: &str, value: Option<f64>) {
        match value {
            Some(v) => self.f64_field(name, v),
            None => self.null_field(name),
        }
    }

    pub(crate) fn bool_field(&mut self, name: &str, value: bool) {
        self.key(name);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    pub(crate) fn null_field(&mut self, name: &str) {
        self.key(name);
        self.buf.extend_from_slice(b"null");
    }

    /// Opens a nested object as the value of `name`.
    pub(crate) fn begin_object(&mut self, name: &str) {
        self.key(name);
        self.buf.push(b'{');
        self.needs_comma = false;
    }

    /// Closes a nested object or array.
    pub(crate) fn end_nested(&mut self, close: u8) {
        self.buf.push(close);
        self.needs_comma = true;
    }

    /// An array of strings as the value of `name`.
    pub(crate) fn str_array_field<'a>(
        &mut self,
        name: &str,
        items: impl Iterator<Item = &'a [u8]>,
    ) {
        self.key(name);
        self.buf.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.string(item);
        }
        self.end_nested(b']');
    }
}

/// True for the bytes a JSON string cannot hold as they are.
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || !(0x20..0x7F).contains(&b)
}

impl FieldVisitor for JsonLine {
    fn uint(&mut self, name: &'static str, value: u64) {
        self.u64_field(name, value);
    }

    fn int(&mut self, name: &'static str, value: i64) {
        self.key(name);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn float(&mut self, name: &'static str, value: f64) {
        self.f64_field(name, value);
    }

    fn flag(&mut self, name: &'static str, value: bool) {
        self.bool_field(name, value);
    }

    fn text(&mut self, name: &'static str, value: &str) {
        self.str_field(name, value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_json() {
        let mut j = JsonLine::default();
        j.begin();
        j.u64_field("mmsi", 574_000_001);
        j.int("rot_raw", -128);
        j.f64_field("lon", 109.25);
        j.f64_field("bad", f64::NAN);
        j.str_field("text", b"A \"quoted\" \\ back\x01\xff");
        j.begin_object("tag_block");
        j.str_field("s", b"STN-1");
        j.end_nested(b'}');
        j.str_array_field("nmea", [&b"!AIVDM"[..], b"\\g:1-2-3*00\\"].into_iter());
        j.end();
        let text = std::str::from_utf8(j.as_bytes()).expect("utf-8");
        let value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
        assert_eq!(value["text"], "A \"quoted\" \\ back\u{1}\u{ff}");
        assert_eq!(value["tag_block"]["s"], "STN-1");
        assert_eq!(value["nmea"][1], "\\g:1-2-3*00\\");
        assert_eq!(value["bad"], serde_json::Value::Null);
        assert!(text.ends_with("}\n"));
    }
}
