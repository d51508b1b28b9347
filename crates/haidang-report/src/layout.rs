//! What the PDFs share: the embedded font, the A4 page, recorded drawing operations
//! (so that pages can be counted before they are drawn, for "page n/N" footers), and
//! text fitted to columns.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

/// DejaVu Sans (Debian `fonts-dejavu-core`; licence in `fonts/LICENSE-DejaVu.txt`):
/// covers Vietnamese. krilla embeds the subset of it the document uses, with a ToUnicode
/// map, so the text extracts as written.
pub(crate) const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// A4 portrait, in points.
pub(crate) const PAGE_W: f32 = 595.0;
pub(crate) const PAGE_H: f32 = 842.0;
pub(crate) const MARGIN: f32 = 40.0;
/// Average advance of a DejaVu Sans glyph, in ems, rounded up (digits are 0.636 em):
/// used to wrap and cut text to a column.
pub(crate) const EM_WIDTH: f32 = 0.64;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font did not load (a build defect).
    #[error("the embedded font does not load")]
    Font,
    /// The PDF writer refused the document.
    #[error("the PDF writer failed: {0}")]
    Write(String),
}

pub(crate) type Rgb = (u8, u8, u8);
pub(crate) const BLACK: Rgb = (0, 0, 0);
pub(crate) const GREY: Rgb = (110, 110, 110);

/// One drawing operation, recorded so that pages can be counted before they are drawn.
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Rgb,
        dash: bool,
    },
    Dot {
        x: f32,
        y: f32,
        r: f32,
        color: Rgb,
    },
    Clip(Rect),
    Unclip,
}

impl Op {
    pub(crate) fn draw(&self, s: &mut Surface<'_>, font: &Font) {
        match self {
            Op::Text {
                x,
                y,
                size,
                color,
                text,
            } => {
                if text.is_empty() {
                    return;
                }
                s.set_stroke(None);
                s.set_fill(Some(fill(*color)));
                s.draw_text(
                    Point::from_xy(*x, *y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
            Op::Line {
                points,
                width,
                color,
                dash,
            } => {
                let mut pb = PathBuilder::new();
                let mut pts = points.iter();
                let Some(&(x, y)) = pts.next() else {
                    return;
                };
                pb.move_to(x, y);
                for &(x, y) in pts {
                    pb.line_to(x, y);
                }
                let Some(path) = pb.finish() else {
                    return;
                };
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width: *width,
                    dash: dash.then(|| krilla::paint::StrokeDash {
                        array: vec![4.0, 2.0],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
            Op::Dot { x, y, r, color } => {
                let Some(rect) = Rect::from_xywh(x - r, y - r, 2.0 * r, 2.0 * r) else {
                    return;
                };
                let mut pb = PathBuilder::new();
                pb.push_rect(rect);
                let Some(path) = pb.finish() else {
                    return;
                };
                s.set_stroke(None);
                s.set_fill(Some(fill(*color)));
                s.draw_path(&path);
            }
            Op::Clip(rect) => {
                let mut pb = PathBuilder::new();
                pb.push_rect(*rect);
                if let Some(path) = pb.finish() {
                    s.push_clip_path(&path, &FillRule::NonZero);
                } else {
                    // Keep push and pop balanced.
                    s.push_transform(&krilla::geom::Transform::identity());
                }
            }
            Op::Unclip => s.pop(),
        }
    }
}

pub(crate) fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

pub(crate) struct Writer {
    pub(crate) doc: Document,
    pub(crate) font: Font,
    pub(crate) pages: Vec<Vec<Op>>,
}

impl Writer {
    pub(crate) fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        self.colored(x, y, size, BLACK, text);
    }

    /// A writer of a new document with the embedded font.
    pub(crate) fn new(doc: Document) -> Result<Self, PdfError> {
        Ok(Writer {
            doc,
            font: Font::new(FONT.into(), 0).ok_or(PdfError::Font)?,
            pages: Vec::new(),
        })
    }

    /// Draws the recorded pages, each with the footer `footer(n, total)` (pages counted
    /// from 1), and hands back the document to finish.
    pub(crate) fn finish(
        self,
        footer: impl Fn(usize, usize) -> String,
    ) -> Result<Document, PdfError> {
        let Writer {
            mut doc,
            pages,
            font,
        } = self;
        let total = pages.len();
        for (n, ops) in pages.into_iter().enumerate() {
            let Some(settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
                return Err(PdfError::Write("bad page size".into()));
            };
            let mut page = doc.start_page_with(settings);
            let mut surface = page.surface();
            for op in &ops {
                op.draw(&mut surface, &font);
            }
            Op::Text {
                x: MARGIN,
                y: PAGE_H - 20.0,
                size: 7.0,
                color: GREY,
                text: footer(n + 1, total),
            }
            .draw(&mut surface, &font);
            surface.finish();
            page.finish();
        }
        Ok(doc)
    }

    pub(crate) fn colored(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: impl Into<String>,
    ) {
        self.page().push(Op::Text {
            x,
            y,
            size,
            color,
            text: text.into(),
        });
    }
}

/// How many characters of size `size` fit in `width` points.
pub(crate) fn fits(width: f32, size: f32) -> usize {
    ((width / (size * EM_WIDTH)).floor() as usize).max(1)
}

/// `text` broken into lines of at most `max` characters, at spaces where it can.
pub(crate) fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 {
                max
            } else {
                max.saturating_sub(used + 1)
            };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            let rest = word.split_off(max);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
/// The text of `pdf` as `pdftotext` (poppler-utils) extracts it.
pub(crate) fn pdftotext(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "haidang-report-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pack.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) runs");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "ab cdefghij k lmnopqrstuvwxyz";
        let lines = wrap(text, 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 5), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap("", 5), vec![String::new()]);
        assert_eq!(cut("Hải Đăng", 4), "Hải…");
    }
}
