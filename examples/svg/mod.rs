//! A few lines of SVG, written by hand: the experiment's chart and the book's pictures.
//!
//! The pictures are drawn at the width the book shows them (its text column is 750 px wide), so
//! a font size here is the size a reader sees. Coordinates are rounded to a tenth of a pixel and
//! nothing depends on the time or the machine, so the same input always gives the same bytes:
//! the tests compare the checked-in pictures with freshly drawn ones.

// Each program uses the part it needs.
#![allow(dead_code)]

use std::fmt::Write;

/// The width of the book's text column, in CSS pixels: pictures drawn this wide are shown 1:1.
pub const PAGE_WIDTH: f64 = 750.0;

/// The smallest font size used, in pixels: readable at page scale.
pub const SMALL: f64 = 13.0;
/// The font size of ordinary labels.
pub const NORMAL: f64 = 14.0;
/// The font size of headings.
pub const HEADING: f64 = 16.0;

/// Where a text's `x` is: its start, middle or end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is where the text starts.
    Start,
    /// `x` is the middle of the text.
    Middle,
    /// `x` is where the text ends.
    End,
}

/// An SVG picture being drawn.
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// An empty white picture of `width` × `height` pixels.
    pub fn new(width: f64, height: f64) -> Svg {
        let mut svg = Svg {
            width,
            height,
            body: String::new(),
        };
        svg.rect(0.0, 0.0, width, height, "#ffffff");
        svg
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            n(x),
            n(y),
            n(w),
            n(h)
        );
    }

    /// A filled rectangle with a one-pixel outline.
    pub fn boxed(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{stroke}"/>"#,
            n(x),
            n(y),
            n(w),
            n(h)
        );
    }

    /// A straight line; `dashed` draws it in dashes.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str, dashed: bool) {
        let dash = if dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1.5"{dash}/>"#,
            n(from.0),
            n(from.1),
            n(to.0),
            n(to.1)
        );
    }

    /// A line with an arrow head at `to`.
    pub fn arrow(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str) {
        self.line(from, to, stroke, false);
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let length = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / length, dy / length);
        let size = 8.0;
        let left = (
            to.0 - ux * size - uy * size * 0.5,
            to.1 - uy * size + ux * size * 0.5,
        );
        let right = (
            to.0 - ux * size + uy * size * 0.5,
            to.1 - uy * size - ux * size * 0.5,
        );
        let _ = writeln!(
            self.body,
            r#"<path d="M{} {} L{} {} L{} {} Z" fill="{stroke}"/>"#,
            n(to.0),
            n(to.1),
            n(left.0),
            n(left.1),
            n(right.0),
            n(right.1)
        );
    }

    /// One line of text; `y` is its baseline.
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: Anchor, text: &str) {
        self.styled(x, y, size, anchor, false, "#222222", text);
    }

    /// One line of bold text; `y` is its baseline.
    pub fn bold(&mut self, x: f64, y: f64, size: f64, anchor: Anchor, text: &str) {
        self.styled(x, y, size, anchor, true, "#222222", text);
    }

    /// One line of text in a colour, bold or not.
    #[allow(clippy::too_many_arguments)]
    pub fn styled(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        bold: bool,
        fill: &str,
        text: &str,
    ) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-family="sans-serif" font-size="{}" text-anchor="{anchor}" fill="{fill}"{weight}>{}</text>"#,
            n(x),
            n(y),
            n(size),
            escape(text)
        );
    }

    /// The finished picture, as the text of an SVG file.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n{}</svg>\n",
            self.body,
            w = n(self.width),
            h = n(self.height),
        )
    }
}

/// About how wide `text` is in pixels at `size` in a sans-serif font: for laying out, not exact.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

/// A coordinate, to a tenth of a pixel, without a trailing `.0`.
fn n(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// `text` with the characters that are markup in SVG escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
