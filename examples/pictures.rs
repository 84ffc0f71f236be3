//! Draws the book's pictures, so that they come from code and cannot drift from it.
//!
//! ```text
//! cargo run --example pictures            # (re)draw them into book/src/images/
//! cargo run --example pictures -- --check # fail if a checked-in picture differs from the code
//! ```
//!
//! - `address-spaces.svg`: two processes mapping the same physical pages (shared memory), and two
//!   processes with pages of their own (copies).
//! - `row-bytes.svg`: the seed's record byte by byte, drawn from the layout the derive describes
//! - `header-bytes.svg`: the 64-byte header of every segment, from `shmsafe::format::Header`'s
//!   own layout
//!   (`<Row as ShmSafe>::KIND`): every field's name, type, offset and size.
//!
//! A byte map of any other record is one more line in [`pictures`]: `byte_map(layout_of::<T>())`.
//! `cargo test` runs `--check` (in `tests/book_examples.rs`).

#[path = "seed/mod.rs"]
mod seed;
#[path = "svg/mod.rs"]
mod svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use shmsafe::{Kind, Layout, ShmSafe};

use seed::Row;
use svg::{Anchor, HEADING, NORMAL, PAGE_WIDTH, SMALL, Svg, text_width};

/// Every picture: its file name in `book/src/images/` and its SVG text.
fn pictures() -> Vec<(&'static str, String)> {
    vec![
        ("address-spaces.svg", address_spaces()),
        ("row-bytes.svg", byte_map(layout_of::<Row>())),
        (
            "header-bytes.svg",
            byte_map(layout_of::<shmsafe::format::Header>()),
        ),
    ]
}

fn images_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/images")
}

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("pictures: unknown argument `{other}`; use no argument, or --check");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for (name, svg) in pictures() {
        let path = images_dir().join(name);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
                stale.push(path.display().to_string());
            }
        } else if let Err(e) = std::fs::write(&path, svg) {
            eprintln!("pictures: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        if check {
            println!("the pictures match the code");
        }
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "pictures: these differ from what the code draws; run `cargo run --example pictures` \
             and commit the result:\n{}",
            stale.join("\n")
        );
        ExitCode::FAILURE
    }
}

/// The layout the derive describes for `T`, a record.
fn layout_of<T: ShmSafe>() -> &'static Layout {
    match T::KIND {
        Kind::Record(layout) => layout,
        other => panic!("a byte map needs a record, not {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Byte maps.

const FIELD_COLORS: [&str; 6] = [
    "#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9",
];
const LINE: &str = "#444444";
const FAINT: &str = "#ffffff";
const MUTED: &str = "#666666";

/// The Rust type a field's kind stands for, as a reader wrote it.
fn type_name(kind: &Kind) -> String {
    match kind {
        Kind::Int { signed, bytes } => format!("{}{}", if *signed { 'i' } else { 'u' }, bytes * 8),
        Kind::Float { bytes } => format!("f{}", bytes * 8),
        Kind::Atomic { signed, bytes } => {
            format!("Atomic{}{}", if *signed { 'I' } else { 'U' }, bytes * 8)
        }
        Kind::Bytes { len } => format!("FixedStr<{len}>"),
        Kind::Array { elem, len, .. } => format!("[{}; {len}]", type_name(elem)),
        Kind::Record(layout) => layout.name().to_string(),
        Kind::Empty => "()".to_string(),
        other => other.to_string(),
    }
}

/// A record's bytes as a strip of cells, one per byte, with every field a coloured block that
/// names it and its type, and the offsets where fields start. Bytes no field covers (padding,
/// which the derive refuses, but a layout could show) are grey. Long records wrap every 16
/// bytes, short ones sit on one line.
fn byte_map(layout: &Layout) -> String {
    let size = layout.size().max(1);
    let per_row = if size <= 32 { size } else { 16 };
    let rows = size.div_ceil(per_row);
    let margin = 16.0;
    let cell = ((PAGE_WIDTH - 2.0 * margin) / per_row as f64).min(44.0);
    let strip_width = cell * per_row as f64;
    let left = (PAGE_WIDTH - strip_width) / 2.0;
    let block = 52.0;
    let row_height = block + 44.0;
    let top = 58.0;
    let height = top + row_height * rows as f64 + 6.0;
    let mut svg = Svg::new(PAGE_WIDTH, height);

    let bytes = if layout.size() == 1 { "byte" } else { "bytes" };
    svg.bold(
        margin,
        24.0,
        HEADING,
        Anchor::Start,
        &format!(
            "{}: {} {bytes}, aligned to {}",
            layout.name(),
            layout.size(),
            layout.align()
        ),
    );
    svg.styled(
        margin,
        44.0,
        SMALL,
        Anchor::Start,
        false,
        MUTED,
        "one cell per byte; the numbers are offsets, where each field starts",
    );

    // Where byte `b` is drawn: its row's top and its left edge.
    let at = |b: usize| {
        let row = b / per_row;
        (
            top + 18.0 + row_height * row as f64,
            left + cell * (b % per_row) as f64,
        )
    };
    // Every byte is grey padding first; fields are drawn over it.
    for b in 0..layout.size() {
        let (y, x) = at(b);
        svg.boxed(x, y, cell, block, "#eeeeee", FAINT);
    }
    let mut starts: Vec<usize> = Vec::new();
    for (i, field) in layout.fields().iter().enumerate() {
        let color = FIELD_COLORS[i % FIELD_COLORS.len()];
        let (start, end) = (field.offset(), field.offset() + field.size());
        starts.push(start);
        // One block per row the field crosses.
        let mut b = start;
        let mut labelled = false;
        while b < end {
            let row_end = (b / per_row + 1) * per_row;
            let piece_end = end.min(row_end);
            let (y, x) = at(b);
            let w = cell * (piece_end - b) as f64;
            svg.rect(x, y, w, block, color);
            for byte in b + 1..piece_end {
                let bx = at(byte).1;
                svg.line((bx, y + block - 8.0), (bx, y + block), "#888888", false);
            }
            svg.line((x, y), (x, y + block), LINE, false);
            if !labelled {
                labelled = true;
                let name = field.name();
                let ty = type_name(&field.kind());
                let mid = x + w / 2.0;
                let fits = |text: &str, size: f64| text_width(text, size) <= w - 6.0;
                if fits(name, NORMAL) {
                    svg.bold(mid, y + 21.0, NORMAL, Anchor::Middle, name);
                } else {
                    svg.bold(mid, y + 21.0, SMALL, Anchor::Middle, name);
                }
                if fits(&ty, SMALL) {
                    svg.text(mid, y + 39.0, SMALL, Anchor::Middle, &ty);
                }
            }
            b = piece_end;
        }
    }
    // The strip's outline, row by row, and the offsets where fields start, above their byte.
    for row in 0..rows {
        let first = row * per_row;
        let last = (first + per_row).min(layout.size());
        if first >= last {
            continue;
        }
        let (y, x) = at(first);
        let w = cell * (last - first) as f64;
        svg.line((x, y), (x + w, y), LINE, false);
        svg.line((x, y + block), (x + w, y + block), LINE, false);
        svg.line((x + w, y), (x + w, y + block), LINE, false);
        for &start in starts.iter().filter(|&&s| (first..last).contains(&s)) {
            let (_, sx) = at(start);
            svg.text(sx, y - 5.0, SMALL, Anchor::Middle, &start.to_string());
        }
        if last == layout.size() {
            svg.text(x + w, y - 5.0, SMALL, Anchor::Middle, &last.to_string());
        }
        // The size of each field, under it.
        for field in layout.fields() {
            let (start, end) = (field.offset(), field.offset() + field.size());
            let (s, e) = (start.max(first), end.min(last));
            if s < e && s == start.max(first) && (first..last).contains(&s) && start >= first {
                let (_, sx) = at(s);
                let ex = sx + cell * (e - s) as f64;
                let n = field.size();
                let text = format!("{n} {}", if n == 1 { "byte" } else { "bytes" });
                if text_width(&text, SMALL) <= ex - sx - 2.0 {
                    svg.styled(
                        (sx + ex) / 2.0,
                        y + block + 18.0,
                        SMALL,
                        Anchor::Middle,
                        false,
                        MUTED,
                        &text,
                    );
                }
            }
        }
    }
    svg.finish()
}

// ---------------------------------------------------------------------------------------------
// Address spaces.

const PAGE_A: &str = "#9ecae1";
const PAGE_B: &str = "#fdae6b";
const OTHER: &str = "#eeeeee";

/// Two panels: shared memory (both processes' pages lead to the same frames of physical memory)
/// and copies (each process's pages lead to frames of its own).
fn address_spaces() -> String {
    let panel = 250.0;
    let mut svg = Svg::new(PAGE_WIDTH, 2.0 * panel + 10.0);
    draw_mappings(
        &mut svg,
        0.0,
        "Shared memory: two processes map the same physical pages",
        "the segment's 4 pages, in memory once",
        true,
    );
    draw_mappings(
        &mut svg,
        panel,
        "Copies: each process has pages of its own",
        "4 pages per copy: the data twice",
        false,
    );
    svg.finish()
}

/// One panel: two processes' address spaces above, physical memory below, arrows from each
/// mapped page to the frame that holds it.
fn draw_mappings(svg: &mut Svg, top: f64, heading: &str, note: &str, shared: bool) {
    let margin = 16.0;
    svg.bold(margin, top + 24.0, HEADING, Anchor::Start, heading);

    let pages = 4;
    let page_w = 40.0;
    let page_h = 26.0;
    // The two processes' virtual address spaces, side by side; the records sit at different
    // addresses in each.
    let processes = [
        ("process A: the parent", "at 0x7f3a2c000000", 40.0, 2),
        ("process B: a worker", "at 0x7f91b8400000", 400.0, 1),
    ];
    let space_y = top + 82.0;
    let mut mapped: Vec<Vec<f64>> = Vec::new();
    for (name, address, x, first) in processes {
        let slots = 7;
        svg.bold(x, space_y - 26.0, NORMAL, Anchor::Start, name);
        svg.styled(
            x,
            space_y - 8.0,
            SMALL,
            Anchor::Start,
            false,
            MUTED,
            &format!("the records {address}"),
        );
        for s in 0..slots {
            svg.boxed(
                x + page_w * s as f64,
                space_y,
                page_w,
                page_h,
                OTHER,
                "#bbbbbb",
            );
        }
        let mut centers = Vec::new();
        for p in 0..pages {
            let px = x + page_w * (first + p) as f64;
            svg.boxed(px, space_y, page_w, page_h, PAGE_A, LINE);
            centers.push(px + page_w / 2.0);
        }
        mapped.push(centers);
    }

    // Physical memory: a row of frames.
    let frames = 16;
    let frame_w = (PAGE_WIDTH - 2.0 * margin - 120.0) / frames as f64;
    let memory_x = margin + 120.0;
    let memory_y = top + 190.0;
    svg.bold(
        memory_x - 10.0,
        memory_y + 18.0,
        NORMAL,
        Anchor::End,
        "physical memory",
    );
    // Which frames hold the pages: one set for shared memory, one per process for copies.
    let sets: Vec<(usize, &str)> = if shared {
        vec![(5, PAGE_A)]
    } else {
        vec![(2, PAGE_A), (10, PAGE_B)]
    };
    for f in 0..frames {
        let fill = sets
            .iter()
            .find(|(first, _)| (*first..first + pages).contains(&f))
            .map_or(OTHER, |(_, color)| *color);
        let stroke = if fill == OTHER { "#bbbbbb" } else { LINE };
        svg.boxed(
            memory_x + frame_w * f as f64,
            memory_y,
            frame_w,
            page_h,
            fill,
            stroke,
        );
    }
    let first_set = sets[0].0;
    svg.styled(
        memory_x + frame_w * first_set as f64,
        memory_y + page_h + 18.0,
        SMALL,
        Anchor::Start,
        false,
        MUTED,
        note,
    );
    // Copies: process B's pages are its own, in another colour.
    if !shared {
        let (x, first) = (processes[1].2, processes[1].3);
        for p in 0..pages {
            let px = x + page_w * (first + p) as f64;
            svg.boxed(px, space_y, page_w, page_h, PAGE_B, LINE);
        }
    }
    for (process, centers) in mapped.iter().enumerate() {
        let set = if shared { sets[0].0 } else { sets[process].0 };
        for (p, &cx) in centers.iter().enumerate() {
            let fx = memory_x + frame_w * (set + p) as f64 + frame_w / 2.0;
            svg.arrow(
                (cx, space_y + page_h + 2.0),
                (fx, memory_y - 2.0),
                "#555555",
            );
        }
    }
}
