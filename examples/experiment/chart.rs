//! The SVG chart: time per method (setup and workers stacked), and memory per worker (private
//! and shared stacked). Plotters' SVG backend writes text as SVG `<text>` elements, so drawing
//! needs no font files.

use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::{Run, thousands};

const SETUP: RGBColor = RGBColor(0x4c, 0x72, 0xb0);
const WORKERS: RGBColor = RGBColor(0xdd, 0x84, 0x52);
const PRIVATE: RGBColor = RGBColor(0xc4, 0x4e, 0x52);
const SHARED: RGBColor = RGBColor(0xa6, 0xc8, 0xe0);
const FONT: &str = "sans-serif";
const MIB: f64 = 1024.0 * 1024.0;

/// One bar: a method's label and its two stacked values.
struct Bar {
    label: String,
    low: f64,
    high: f64,
    note: String,
}

/// Draws `run` as an SVG in `path`.
pub fn draw(path: &Path, run: &Run) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1100, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "shmsafe experiment: {} rows ({:.0} MB), {} worker(s), median of {} round(s), {} CPU(s), Linux {}",
        thousands(run.rows as u64),
        run.data_bytes as f64 / 1e6,
        run.workers,
        run.repeat,
        run.machine.cpus,
        run.machine.kernel
    );
    let root = root.titled(&title, (FONT, 20))?;
    let (left, right) = root.split_horizontally(550);

    let times: Vec<Bar> = run
        .methods
        .iter()
        .map(|m| Bar {
            label: m.method.name().to_string(),
            low: m.setup_s * 1e3,
            high: m.workers_s * 1e3,
            note: format!("{:.0} ms", m.total_s * 1e3),
        })
        .collect();
    panel(
        &left,
        "Time per method",
        "time (ms)",
        &times,
        [
            ("setup", SETUP),
            ("workers (start to last result)", WORKERS),
        ],
    )?;

    let memory: Vec<Bar> = run
        .methods
        .iter()
        .filter_map(|m| {
            let (private, rss) = m.memory_shown()?;
            let label = if m.process_private_bytes.is_some() {
                format!("{} (1 process)", m.method.name())
            } else {
                m.method.name().to_string()
            };
            Some(Bar {
                label,
                low: private as f64 / MIB,
                high: rss.saturating_sub(private) as f64 / MIB,
                note: format!("{:.1} MiB private", private as f64 / MIB),
            })
        })
        .collect();
    panel(
        &right,
        "Memory per worker process",
        "memory (MiB)",
        &memory,
        [
            ("private (USS)", PRIVATE),
            ("shared with other processes (RSS - USS)", SHARED),
        ],
    )?;
    root.present()?;
    Ok(())
}

/// One panel of stacked bars: `low` at the bottom, `high` on top, `note` above.
fn panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    y_desc: &str,
    bars: &[Bar],
    series: [(&str, RGBColor); 2],
) -> Result<(), Box<dyn Error>> {
    let n = bars.len().max(1);
    let top = bars
        .iter()
        .map(|b| b.low + b.high)
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(65)
        // `0..last` holds `last + 1` segments; one bar still gets a range of two.
        .build_cartesian_2d((0..(n - 1).max(1)).into_segmented(), 0.0..top * 1.45)?;
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("method")
        .y_desc(y_desc)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;

    let bar = |i: usize, from: f64, to: f64, color: RGBColor| {
        let mut rect = Rectangle::new(
            [
                (SegmentValue::Exact(i), from),
                (SegmentValue::Exact(i + 1), to),
            ],
            color.filled(),
        );
        rect.set_margin(0, 0, 18, 18);
        rect
    };
    let [(low_name, low_color), (high_name, high_color)] = series;
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .map(|(i, b)| bar(i, 0.0, b.low, low_color)),
        )?
        .label(low_name)
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], low_color.filled()));
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .map(|(i, b)| bar(i, b.low, b.low + b.high, high_color)),
        )?
        .label(high_name)
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], high_color.filled()));
    let note_style =
        TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        Text::new(
            b.note.clone(),
            (SegmentValue::CenterOf(i), b.low + b.high + top * 0.02),
            note_style.clone(),
        )
    }))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    Ok(())
}
