//! Byte stream to lines: CR, LF or CRLF end a line; a line longer than the limit is
//! discarded up to its end and reported once as `overlong`, so memory stays flat whatever
//! arrives.

/// What the framer found.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A complete line, without its terminator.
    Line(&'a [u8]),
    /// A line over the limit was discarded; this many bytes of it were seen.
    Overlong(usize),
}

/// Splits a byte stream into lines, holding at most `max_line_bytes` of a partial line.
///
/// ```
/// use haidang_nmea::{Frame, LineFramer};
///
/// let mut framer = LineFramer::new(1024);
/// let mut lines = Vec::new();
/// for chunk in [&b"!AIVDM,1,1,,A,15RT"[..], b"gt0PAso;90TKcjM8h6g208CQ,0*4A\r\n$GP"] {
///     framer.push(chunk, &mut |frame| lines.push(format!("{frame:?}")));
/// }
/// assert_eq!(lines.len(), 1);
/// ```
#[derive(Debug)]
pub struct LineFramer {
    partial: Vec<u8>,
    max_line_bytes: usize,
    /// Bytes of an overlong line seen so far, while discarding it.
    discarding: Option<usize>,
}

impl LineFramer {
    /// A framer for lines of at most `max_line_bytes` bytes (terminator excluded).
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            partial: Vec::new(),
            max_line_bytes: max_line_bytes.max(1),
            discarding: None,
        }
    }

    /// Feeds a chunk; complete lines are passed to `out` in order, borrowed from the chunk
    /// where possible. Empty lines (as between CR and LF) are skipped.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(Frame<'_>)) {
        let mut rest = chunk;
        while let Some(end) = memchr::memchr2(b'\n', b'\r', rest) {
            let piece = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(seen) = self.discarding.take() {
                out(Frame::Overlong(seen + piece.len()));
            } else if self.partial.is_empty() {
                self.emit(piece, out);
            } else if self.partial.len() + piece.len() > self.max_line_bytes {
                let seen = self.partial.len() + piece.len();
                self.partial.clear();
                out(Frame::Overlong(seen));
            } else {
                self.partial.extend_from_slice(piece);
                let line = std::mem::take(&mut self.partial);
                out(Frame::Line(&line));
                self.partial = line;
                self.partial.clear();
            }
        }
        if let Some(seen) = self.discarding.as_mut() {
            *seen += rest.len();
        } else if self.partial.len() + rest.len() > self.max_line_bytes {
            self.discarding = Some(self.partial.len() + rest.len());
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(rest);
        }
    }

    /// Ends the stream: a last line without a terminator is passed on.
    pub fn finish(&mut self, out: &mut dyn FnMut(Frame<'_>)) {
        if let Some(seen) = self.discarding.take() {
            out(Frame::Overlong(seen));
        } else if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            out(Frame::Line(&line));
        }
    }

    fn emit(&self, piece: &[u8], out: &mut dyn FnMut(Frame<'_>)) {
        if piece.len() > self.max_line_bytes {
            out(Frame::Overlong(piece.len()));
        } else if !piece.is_empty() {
            out(Frame::Line(piece));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(chunks: &[&[u8]], max: usize, expect: &[&str]) {
        let mut framer = LineFramer::new(max);
        let mut got = Vec::new();
        let mut sink = |f: Frame<'_>| {
            got.push(match f {
                Frame::Line(l) => String::from_utf8_lossy(l).into_owned(),
                Frame::Overlong(n) => format!("<overlong {n}>"),
            })
        };
        for chunk in chunks {
            framer.push(chunk, &mut sink);
        }
        framer.finish(&mut sink);
        assert_eq!(got, expect);
    }

    #[test]
    fn terminators() {
        check(&[b"a\nb\r\nc\rd\n\re"], 100, &["a", "b", "c", "d", "e"]);
        check(&[b"\n\n\r\n"], 100, &[]);
    }

    #[test]
    fn lines_split_across_chunks() {
        check(&[b"ab", b"cd", b"e\nf", b"g\n"], 100, &["abcde", "fg"]);
    }

    #[test]
    fn overlong_lines_are_discarded_once_and_memory_stays_bounded() {
        check(&[b"123456789\nok\n"], 5, &["<overlong 9>", "ok"]);
        check(
            &[b"123", b"456", b"789", b"0\nok\n"],
            5,
            &["<overlong 10>", "ok"],
        );
        check(&[b"1234", b"56\nok"], 5, &["<overlong 6>", "ok"]);
        let mut framer = LineFramer::new(16);
        let big = vec![b'x'; 1 << 20];
        for _ in 0..10 {
            framer.push(&big, &mut |_| {});
        }
        assert!(framer.partial.capacity() <= 32);
    }
}
