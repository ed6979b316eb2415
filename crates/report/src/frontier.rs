//! The broadcast frontier: how many messages per operation a configuration
//! spends against the latency it gets, in two panels (msgs-per-op against
//! median stable latency, and against maximum stable latency) with the
//! challenge 3d and 3e target boxes drawn in.
//!
//! Points come from the caller (a sweep of our nodes' knobs); the reference
//! points measured with real Maelstrom are in [`REFERENCE_POINTS`].

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::ReportError;
use crate::figure::{Figure, draw_legend, series_colour, short_number, text, write_png_and_svg};
use runner::results::RunResults;
use runner::run_log::RunSummary;

/// One configuration's figures, as read from a 3d/3e run's `results.edn`
/// (`:net :servers :msgs-per-op`, `:workload :stable-latencies` at 0.5 and 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub label: String,
    pub msgs_per_op: f64,
    pub median_ms: f64,
    pub max_ms: f64,
    pub kind: PointKind,
}

impl FrontierPoint {
    /// The point of a 3d/3e run; `None` when it lacks msgs-per-op or stable
    /// latencies (no broadcast became stable).
    pub fn from_results(
        label: &str,
        kind: PointKind,
        results: &RunResults,
    ) -> Option<FrontierPoint> {
        Some(FrontierPoint {
            label: label.to_string(),
            msgs_per_op: results.msgs_per_op_servers?,
            median_ms: results.latency_median_ms()?,
            max_ms: results.latency_max_ms()?,
            kind,
        })
    }
}

impl FrontierPoint {
    /// The point of a recorded 3d/3e run (the figures the run log keeps);
    /// `None` when it lacks any of them.
    pub fn from_summary(label: &str, kind: PointKind, run: &RunSummary) -> Option<FrontierPoint> {
        Some(FrontierPoint {
            label: label.to_string(),
            msgs_per_op: run.msgs_per_op?,
            median_ms: run.latency_median_ms?,
            max_ms: run.latency_max_ms?,
            kind,
        })
    }
}

/// Whose configuration a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointKind {
    /// One of our nodes' configurations; `default` marks the one shipped.
    Ours { default: bool },
    /// A published solution measured for comparison.
    Reference,
}

/// A challenge's performance targets: every figure must be strictly below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetBox {
    pub challenge: &'static str,
    pub msgs_per_op: f64,
    pub median_ms: f64,
    pub max_ms: f64,
}

/// The 3d (Efficient Broadcast I) and 3e (II) targets.
pub const TARGET_BOXES: [TargetBox; 2] = [
    TargetBox {
        challenge: "3d",
        msgs_per_op: 30.0,
        median_ms: 400.0,
        max_ms: 600.0,
    },
    TargetBox {
        challenge: "3e",
        msgs_per_op: 20.0,
        median_ms: 1000.0,
        max_ms: 2000.0,
    },
];

/// A reference solution's figures (a `const`-friendly [`FrontierPoint`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferencePoint {
    pub label: &'static str,
    pub msgs_per_op: f64,
    pub median_ms: f64,
    pub max_ms: f64,
}

impl ReferencePoint {
    pub fn to_point(self) -> FrontierPoint {
        FrontierPoint {
            label: self.label.to_string(),
            msgs_per_op: self.msgs_per_op,
            median_ms: self.median_ms,
            max_ms: self.max_ms,
            kind: PointKind::Reference,
        }
    }
}

/// Published solutions measured with real Maelstrom at the official 3d/3e
/// parameters on a 2-core machine like ours (medians of 3 runs).
pub const REFERENCE_POINTS: [ReferencePoint; 4] = [
    ReferencePoint {
        label: "seed Go 3d",
        msgs_per_op: 11.99,
        median_ms: 75.0,
        max_ms: 139.0,
    },
    ReferencePoint {
        label: "seed Go 3e",
        msgs_per_op: 4.22,
        median_ms: 785.0,
        max_ms: 1574.0,
    },
    ReferencePoint {
        label: "teivah 3e",
        msgs_per_op: 1.70,
        median_ms: 763.0,
        max_ms: 1118.0,
    },
    ReferencePoint {
        label: "teivah 3d",
        msgs_per_op: 24.17,
        median_ms: 173.0,
        max_ms: 207.0,
    },
];

/// [`REFERENCE_POINTS`] as frontier points, to append to a sweep's points.
pub fn reference_points() -> Vec<FrontierPoint> {
    REFERENCE_POINTS.iter().map(|r| r.to_point()).collect()
}

/// Writes `<out_stem>.png` and `<out_stem>.svg`: the two frontier panels.
pub fn frontier_plot(
    points: &[FrontierPoint],
    out_stem: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    write_png_and_svg(&Frontier { points }, out_stem)
}

struct Frontier<'a> {
    points: &'a [FrontierPoint],
}

/// Which latency a panel shows.
#[derive(Clone, Copy)]
enum Panel {
    Median,
    Max,
}

impl Panel {
    fn latency(self, point: &FrontierPoint) -> f64 {
        match self {
            Panel::Median => point.median_ms,
            Panel::Max => point.max_ms,
        }
    }

    fn target(self, target: &TargetBox) -> f64 {
        match self {
            Panel::Median => target.median_ms,
            Panel::Max => target.max_ms,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Panel::Median => "Median stable latency (ms)",
            Panel::Max => "Max stable latency (ms)",
        }
    }
}

const OURS: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const REFERENCE: RGBColor = RGBColor(0x55, 0x55, 0x55);

impl Figure for Frontier<'_> {
    fn size(&self) -> (u32, u32) {
        (1400, 600)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let root = root.titled(
            "Broadcast frontier: messages per op against latency",
            text(24),
        )?;
        let panels = root.split_evenly((1, 2));
        for (area, panel) in panels.iter().zip([Panel::Median, Panel::Max]) {
            self.draw_panel(area, panel)?;
        }
        Ok(())
    }
}

impl Frontier<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: Panel,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        // Axes always show both boxes whole, and stretch for points beyond them.
        let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
        let x_top = self
            .points
            .iter()
            .map(|p| finite(p.msgs_per_op))
            .fold(35.0, f64::max)
            * 1.08;
        let y_top = self
            .points
            .iter()
            .map(|p| finite(panel.latency(p)))
            .chain(TARGET_BOXES.iter().map(|t| panel.target(t)))
            .fold(0.0, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(area)
            .margin(14)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_top, 0.0..y_top)?;
        chart
            .configure_mesh()
            .x_desc("Messages per op (server to server)")
            .y_desc(panel.title())
            .x_label_formatter(&|v| short_number(*v))
            .y_label_formatter(&|v| short_number(*v))
            .label_style(text(14))
            .axis_desc_style(text(16))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;

        for (i, target) in TARGET_BOXES.iter().enumerate() {
            let colour = series_colour(i + 2);
            let corner = (target.msgs_per_op, panel.target(target));
            chart.draw_series([Rectangle::new(
                [(0.0, 0.0), corner],
                colour.mix(0.08).filled(),
            )])?;
            chart.draw_series([Rectangle::new([(0.0, 0.0), corner], colour.stroke_width(2))])?;
            chart
                .draw_series([Text::new(
                    format!("{} target", target.challenge),
                    corner,
                    text(15)
                        .color(&colour)
                        .pos(Pos::new(HPos::Right, VPos::Bottom)),
                )])?
                .label(format!(
                    "{}: < {} msgs/op, < {} ms",
                    target.challenge,
                    target.msgs_per_op,
                    panel.target(target)
                ))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.stroke_width(2))
                });
        }

        let at = |p: &FrontierPoint| (p.msgs_per_op, panel.latency(p));
        let of_kind = |kind: PointKind| -> Vec<&FrontierPoint> {
            self.points.iter().filter(|p| p.kind == kind).collect()
        };
        // Each kind gets a legend entry only when it has points.
        let plain = of_kind(PointKind::Ours { default: false });
        if !plain.is_empty() {
            chart
                .draw_series(plain.iter().map(|p| Circle::new(at(p), 4, OURS.filled())))?
                .label("ours")
                .legend(|(x, y)| Circle::new((x + 7, y), 4, OURS.filled()));
        }
        let defaults = of_kind(PointKind::Ours { default: true });
        if !defaults.is_empty() {
            chart
                .draw_series(defaults.iter().map(|p| {
                    EmptyElement::at(at(p))
                        + Circle::new((0, 0), 8, OURS.stroke_width(3))
                        + Circle::new((0, 0), 4, OURS.filled())
                        + Text::new(p.label.clone(), (10, -18), text(13).color(&OURS))
                }))?
                .label("ours (default)")
                .legend(|(x, y)| Circle::new((x + 7, y), 7, OURS.stroke_width(3)));
        }
        let references = of_kind(PointKind::Reference);
        if !references.is_empty() {
            chart
                .draw_series(references.iter().map(|p| {
                    EmptyElement::at(at(p))
                        + TriangleMarker::new((0, 0), 7, REFERENCE.filled())
                        + Text::new(p.label.clone(), (8, 4), text(13).color(&REFERENCE))
                }))?
                .label("reference (real Maelstrom)")
                .legend(|(x, y)| TriangleMarker::new((x + 7, y), 6, REFERENCE.filled()));
        }

        draw_legend(&mut chart)
    }
}
