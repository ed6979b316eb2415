//! Maelstrom-like plots of one run, written into its store directory:
//! `latency-raw`, `latency-quantiles` and `rate`, each as PNG and SVG, with
//! the nemesis's fault intervals shaded. Maelstrom draws these with gnuplot;
//! these need nothing installed.

use std::ops::Range;
use std::path::{Path, PathBuf};

use checker::history::{Op, read_history};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::ReportError;
use crate::figure::{
    FAULT_SHADE, Figure, draw_legend, series_colour, short_number, text, write_png_and_svg,
};
use crate::perf::{
    FaultInterval, LatencySample, Outcome, PLOTTED_QUANTILES, bucket_width, distinct_fs,
    fault_intervals, latency_quantiles, latency_samples, rates,
};

/// The file stems written into a run directory, in the order written.
pub const RUN_PLOT_STEMS: [&str; 3] = ["latency-raw", "latency-quantiles", "rate"];

/// About this many time buckets across a run for quantiles and rates.
const TARGET_BUCKETS: usize = 20;

const SIZE: (u32, u32) = (1000, 500);

/// Reads `<run_dir>/history.edn` and writes the per-run plots next to it.
/// Returns the files written (PNG and SVG of each of [`RUN_PLOT_STEMS`]).
pub fn run_plots(run_dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let path = run_dir.join("history.edn");
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
    let history = read_history(&text).map_err(|source| ReportError::History { path, source })?;
    write_run_plots(&history, run_dir)
}

/// Writes the per-run plots of an in-memory history into `out_dir` (for a
/// simulator that still holds the history it just recorded).
pub fn write_run_plots(history: &[Op], out_dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let run = RunPerf::new(history);
    let mut written = Vec::new();
    for (stem, plot) in RUN_PLOT_STEMS.into_iter().zip([
        RunPlot::LatencyRaw,
        RunPlot::LatencyQuantiles,
        RunPlot::Rate,
    ]) {
        written.extend(write_png_and_svg(&(plot, &run), &out_dir.join(stem))?);
    }
    Ok(written)
}

/// What the three plots share: samples, fault intervals, the time axis.
struct RunPerf {
    samples: Vec<LatencySample>,
    faults: Vec<FaultInterval>,
    fs: Vec<String>,
    /// Seconds from the time origin to the last op (at least a little, so an
    /// empty history still has an axis).
    span_s: f64,
    bucket_s: f64,
}

impl RunPerf {
    fn new(history: &[Op]) -> RunPerf {
        let samples = latency_samples(history);
        let span_s = history
            .iter()
            .map(|op| op.time as f64 / 1e9)
            .fold(1.0, f64::max);
        RunPerf {
            fs: distinct_fs(&samples),
            faults: fault_intervals(history),
            bucket_s: bucket_width(span_s, TARGET_BUCKETS),
            samples,
            span_s,
        }
    }

    fn f_colour(&self, f: &str) -> RGBColor {
        series_colour(self.fs.iter().position(|x| x == f).unwrap_or(0))
    }
}

#[derive(Clone, Copy)]
enum RunPlot {
    LatencyRaw,
    LatencyQuantiles,
    Rate,
}

impl Figure for (RunPlot, &RunPerf) {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (plot, run) = *self;
        match plot {
            RunPlot::LatencyRaw => draw_latency_raw(run, root),
            RunPlot::LatencyQuantiles => draw_latency_quantiles(run, root),
            RunPlot::Rate => draw_rate(run, root),
        }
    }
}

/// A log-scale latency range covering `values`, with some headroom.
fn latency_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if hi <= 0.0 {
        return 0.1..10.0;
    }
    // Zero latencies cannot sit on a log axis: floor at 10 µs.
    let lo = lo.max(0.01);
    (lo / 1.5)..(hi * 1.5).max(lo * 10.0)
}

fn shade_faults<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
    faults: &[FaultInterval],
    y: Range<f64>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if faults.is_empty() {
        return Ok(());
    }
    let label = faults[0].fault.clone();
    chart
        .draw_series(faults.iter().map(|interval| {
            Rectangle::new(
                [(interval.start_s, y.start), (interval.end_s, y.end)],
                FAULT_SHADE.mix(0.35).filled(),
            )
        }))?
        .label(label)
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], FAULT_SHADE.filled()));
    Ok(())
}

fn draw_latency_raw<DB: DrawingBackend>(
    run: &RunPerf,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = latency_range(run.samples.iter().map(|s| s.latency_ms));
    let caption = "Raw latency".to_string();
    let mut chart = run_chart(root, run, caption, y.clone().log_scale(), "Latency (ms)")?;
    shade_faults(&mut chart, &run.faults, y)?;

    for f in &run.fs {
        let colour = run.f_colour(f);
        for outcome in [Outcome::Ok, Outcome::Info, Outcome::Fail] {
            let points: Vec<(f64, f64)> = run
                .samples
                .iter()
                .filter(|s| &s.f == f && s.outcome == outcome)
                .map(|s| (s.invoked_s, s.latency_ms.max(0.01)))
                .collect();
            if points.is_empty() {
                continue;
            }
            let label = format!("{f} {}", outcome.name());
            // Shape tells the outcome, colour the :f, as in Jepsen's plot.
            match outcome {
                Outcome::Ok => chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 2, colour.filled())))?
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + 7, y), 3, colour.filled())),
                Outcome::Info => chart
                    .draw_series(points.iter().map(|p| TriangleMarker::new(*p, 4, colour)))?
                    .label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x + 7, y), 4, colour)),
                Outcome::Fail => chart
                    .draw_series(points.iter().map(|p| Cross::new(*p, 3, colour)))?
                    .label(label)
                    .legend(move |(x, y)| Cross::new((x + 7, y), 3, colour)),
            };
        }
    }
    draw_legend(&mut chart)
}

fn draw_latency_quantiles<DB: DrawingBackend>(
    run: &RunPerf,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series = latency_quantiles(&run.samples, run.bucket_s);
    let y = latency_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let caption = format!("Latency quantiles ({} s buckets)", run.bucket_s);
    let mut chart = run_chart(root, run, caption, y.clone().log_scale(), "Latency (ms)")?;
    shade_faults(&mut chart, &run.faults, y)?;

    // Colour tells the :f, the stroke the quantile.
    for line in &series {
        let stroke = match PLOTTED_QUANTILES.iter().position(|q| *q == line.q) {
            Some(0) => Stroke::Solid,
            Some(1) => Stroke::Dashed,
            Some(2) => Stroke::Dotted,
            _ => Stroke::Thin,
        };
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|&(t, ms)| (t, ms.max(0.01)))
            .collect();
        let label = format!("{} {}", line.f, quantile_name(line.q));
        draw_line(&mut chart, points, run.f_colour(&line.f), stroke, label)?;
    }
    draw_legend(&mut chart)
}

fn draw_rate<DB: DrawingBackend>(
    run: &RunPerf,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series = rates(&run.samples, run.bucket_s);
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 1.15;
    let caption = format!("Throughput ({} s buckets)", run.bucket_s);
    let mut chart = run_chart(root, run, caption, 0.0..top, "Throughput (ops/s)")?;
    shade_faults(&mut chart, &run.faults, 0.0..top)?;

    // Colour tells the :f, the stroke the outcome.
    for line in &series {
        let stroke = match line.outcome {
            Outcome::Ok => Stroke::Solid,
            Outcome::Info => Stroke::Dashed,
            Outcome::Fail => Stroke::Dotted,
        };
        let label = format!("{} {}", line.f, line.outcome.name());
        draw_line(
            &mut chart,
            line.points.clone(),
            run.f_colour(&line.f),
            stroke,
            label,
        )?;
    }
    draw_legend(&mut chart)
}

/// How a line is drawn, so several lines can share a colour.
#[derive(Clone, Copy)]
enum Stroke {
    Solid,
    Dashed,
    Dotted,
    Thin,
}

/// One line with a dot at each point (a single bucket still shows), labelled.
fn draw_line<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
    points: Vec<(f64, f64)>,
    colour: RGBColor,
    stroke: Stroke,
    label: String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series(points.iter().map(|p| Circle::new(*p, 2, colour.filled())))?;
    let style = colour.stroke_width(2);
    let series = match stroke {
        Stroke::Solid => chart.draw_series(LineSeries::new(points, style))?,
        Stroke::Dashed => chart.draw_series(DashedLineSeries::new(points, 8, 5, style))?,
        Stroke::Dotted => chart.draw_series(DashedLineSeries::new(points, 2, 4, style))?,
        Stroke::Thin => chart.draw_series(LineSeries::new(points, colour.stroke_width(1)))?,
    };
    series.label(label).legend(move |(x, y)| {
        let segment = |from: i32, to: i32, width: u32| {
            PathElement::new([(from, 0), (to, 0)], colour.stroke_width(width))
        };
        // A sample of the stroke from four segments (a fixed count keeps
        // one element type for every stroke).
        let (ends, width) = match stroke {
            Stroke::Solid => ([(0, 4), (4, 8), (8, 12), (12, 16)], 2),
            Stroke::Thin => ([(0, 4), (4, 8), (8, 12), (12, 16)], 1),
            Stroke::Dashed => ([(0, 3), (3, 6), (10, 13), (13, 16)], 2),
            Stroke::Dotted => ([(0, 2), (5, 7), (10, 12), (15, 17)], 2),
        };
        let [a, b, c, d] = ends.map(|(from, to)| segment(from, to, width));
        EmptyElement::at((x, y)) + a + b + c + d
    });
    Ok(())
}

/// A chart whose x axis is time in seconds.
type TimeChart<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>;

/// A chart over the run's time span with its caption and labelled axes.
fn run_chart<'a, DB: DrawingBackend, Y: AsRangedCoord<Value = f64>>(
    root: &'a DrawingArea<DB, Shift>,
    run: &RunPerf,
    caption: String,
    y: Y,
    y_desc: &str,
) -> Result<TimeChart<'a, DB, Y::CoordDescType>, DrawingAreaErrorKind<DB::ErrorType>>
where
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(caption, text(22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..run.span_s, y)?;
    chart
        .configure_mesh()
        .x_desc("Time (s)")
        .y_desc(y_desc)
        .y_labels(12)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .label_style(text(14))
        .axis_desc_style(text(16))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    Ok(chart)
}

/// `0.5` → `median`, `1` → `max`, `0.95` → `p95`.
fn quantile_name(q: f64) -> String {
    if q == 0.5 {
        "median".to_string()
    } else if q == 1.0 {
        "max".to_string()
    } else {
        format!("p{}", (q * 100.0).round())
    }
}
