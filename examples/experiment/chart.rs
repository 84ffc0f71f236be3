//! The SVG chart the book shows: for every method run, the time it took, the private memory of
//! each worker process, and the memory of all its processes together.
//!
//! It is drawn 750 px wide, the width of the book's text column, so that its smallest text is
//! 13 px where the book shows it. Bars run sideways: the method names sit where they can be read,
//! and each bar ends in its value.

use std::error::Error;
use std::path::Path;

use crate::report::{MethodJson, Run, thousands};
use crate::svg::{Anchor, HEADING, NORMAL, PAGE_WIDTH, SMALL, Svg, text_width};

const SETUP: &str = "#4c72b0";
const WORKERS: &str = "#dd8452";
const PRIVATE: &str = "#c44e52";
const PARENT: &str = "#8c8c8c";
const ALL_WORKERS: &str = "#e39c9e";
const DATA_LINE: &str = "#333333";
const MUTED: &str = "#666666";
const MIB: f64 = 1024.0 * 1024.0;

/// Left edge of the bars; the method names end just before it.
const BARS_X: f64 = 100.0;
/// The widest bar: room is left on its right for the value.
const BARS_WIDTH: f64 = PAGE_WIDTH - BARS_X - 190.0;
const ROW: f64 = 30.0;
const BAR: f64 = 20.0;

/// One row of a panel: stacked parts, the text after them, or a note where there is no bar.
struct Bar {
    label: String,
    parts: Vec<(f64, &'static str)>,
    value: String,
}

/// Draws `run` as an SVG in `path`.
pub fn draw(path: &Path, run: &Run) -> Result<(), Box<dyn Error>> {
    std::fs::write(path, svg(run))?;
    Ok(())
}

/// The chart of `run`, as the text of an SVG file.
pub fn svg(run: &Run) -> String {
    let times: Vec<Bar> = run.methods.iter().map(time_bar).collect();
    let private: Vec<Bar> = run.methods.iter().map(private_bar).collect();
    let together: Vec<Bar> = run
        .methods
        .iter()
        .map(|m| together_bar(m, run.data_bytes))
        .collect();
    let time_scale = scale(&times);
    // Both memory panels share one scale, so that a worker's copy and the total can be compared.
    let memory_scale = scale(&private).max(scale(&together));

    let panel_height = |bars: &[Bar]| 64.0 + ROW * bars.len() as f64;
    let height =
        72.0 + panel_height(&times) + panel_height(&private) + panel_height(&together) + 24.0;
    let mut svg = Svg::new(PAGE_WIDTH, height);

    svg.bold(
        16.0,
        26.0,
        HEADING + 1.0,
        Anchor::Start,
        &format!(
            "{} rows ({:.0} MB), {} worker{}: shared or copied",
            thousands(run.rows as u64),
            run.data_bytes as f64 / 1e6,
            run.workers,
            if run.workers == 1 { "" } else { "s" },
        ),
    );
    svg.styled(
        16.0,
        48.0,
        SMALL,
        Anchor::Start,
        false,
        MUTED,
        &format!(
            "median of {} round{} · {} CPU{} · Linux {}",
            run.repeat,
            if run.repeat == 1 { "" } else { "s" },
            run.machine.cpus,
            if run.machine.cpus == 1 { "" } else { "s" },
            run.machine.kernel
        ),
    );

    let mut y = 72.0;
    panel(
        &mut svg,
        y,
        "Time, start to last result",
        &[("setup", SETUP), ("workers", WORKERS)],
        &times,
        time_scale,
        None,
    );
    y += panel_height(&times);
    panel(
        &mut svg,
        y,
        "Private memory of each worker process",
        &[],
        &private,
        memory_scale,
        None,
    );
    y += panel_height(&private);
    let data_mib = run.data_bytes as f64 / MIB;
    panel(
        &mut svg,
        y,
        &format!(
            "Memory of all processes: parent + {} worker{} (PSS)",
            run.workers,
            if run.workers == 1 { "" } else { "s" }
        ),
        &[("parent", PARENT), ("workers", ALL_WORKERS)],
        &together,
        memory_scale,
        Some((data_mib, format!("the data, {}", mib_text(data_mib)))),
    );
    svg.finish()
}

fn time_bar(m: &MethodJson) -> Bar {
    Bar {
        label: m.method.name().to_string(),
        parts: vec![(m.setup_s * 1e3, SETUP), (m.workers_s * 1e3, WORKERS)],
        value: format!("{:.0} ms", m.total_s * 1e3),
    }
}

fn private_bar(m: &MethodJson) -> Bar {
    let label = m.method.name().to_string();
    match m.worker_private_bytes_max {
        Some(bytes) => Bar {
            label,
            parts: vec![(bytes as f64 / MIB, PRIVATE)],
            value: mib_text(bytes as f64 / MIB),
        },
        None => Bar {
            label,
            parts: Vec::new(),
            value: "none: threads share one process".to_string(),
        },
    }
}

fn together_bar(m: &MethodJson, data_bytes: usize) -> Bar {
    let label = m.method.name().to_string();
    let Some(all) = m.all_processes_pss_bytes else {
        return Bar {
            label,
            parts: Vec::new(),
            value: "not measured: the workers exit as they report".to_string(),
        };
    };
    let parent = m.parent_pss_bytes.unwrap_or(all);
    let parts = vec![
        (parent as f64 / MIB, PARENT),
        (all.saturating_sub(parent) as f64 / MIB, ALL_WORKERS),
    ];
    let ratio = all as f64 / data_bytes as f64;
    Bar {
        label,
        parts,
        value: format!("{} = {ratio:.1}× the data", mib_text(all as f64 / MIB)),
    }
}

/// The largest total of a panel's bars: the length of the widest bar.
fn scale(bars: &[Bar]) -> f64 {
    bars.iter()
        .map(|b| b.parts.iter().map(|p| p.0).sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-9)
}

/// A heading with its legend, then one row per bar. `marker` draws a dashed line at a value.
fn panel(
    svg: &mut Svg,
    top: f64,
    heading: &str,
    legend: &[(&str, &str)],
    bars: &[Bar],
    scale: f64,
    marker: Option<(f64, String)>,
) {
    svg.bold(16.0, top + 18.0, HEADING, Anchor::Start, heading);
    let mut x = PAGE_WIDTH - 16.0;
    for (name, color) in legend.iter().rev() {
        x -= text_width(name, SMALL);
        svg.text(x, top + 18.0, SMALL, Anchor::Start, name);
        x -= 18.0;
        svg.rect(x, top + 7.0, 12.0, 12.0, color);
        x -= 14.0;
    }
    let first_row = top + 50.0;
    let length = |value: f64| value / scale * BARS_WIDTH;
    for (i, bar) in bars.iter().enumerate() {
        let y = first_row + ROW * i as f64;
        svg.text(BARS_X - 10.0, y + 15.0, NORMAL, Anchor::End, &bar.label);
        let mut x = BARS_X;
        for &(value, color) in &bar.parts {
            let w = length(value);
            svg.rect(x, y, w, BAR, color);
            x += w;
        }
        if bar.parts.is_empty() {
            svg.styled(
                x + 8.0,
                y + 15.0,
                NORMAL,
                Anchor::Start,
                false,
                MUTED,
                &bar.value,
            );
        } else {
            // A bar too short to see still gets a sliver, so the value is next to something.
            if x - BARS_X < 2.0 {
                svg.rect(BARS_X, y, 2.0, BAR, bar.parts[0].1);
                x = BARS_X + 2.0;
            }
            svg.text(x + 8.0, y + 15.0, NORMAL, Anchor::Start, &bar.value);
        }
    }
    svg.line(
        (BARS_X, first_row - 6.0),
        (BARS_X, first_row + ROW * bars.len() as f64 - 4.0),
        DATA_LINE,
        false,
    );
    if let Some((value, text)) = marker {
        let x = BARS_X + length(value);
        svg.line(
            (x, first_row - 8.0),
            (x, first_row + ROW * bars.len() as f64 - 4.0),
            DATA_LINE,
            true,
        );
        svg.styled(
            x + 4.0,
            first_row - 10.0,
            SMALL,
            Anchor::Start,
            false,
            DATA_LINE,
            &text,
        );
    }
}

/// MiB with one decimal under 10, none above.
fn mib_text(mib: f64) -> String {
    if mib < 10.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{mib:.0} MiB")
    }
}
