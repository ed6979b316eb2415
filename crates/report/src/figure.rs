//! Writing one drawing as both PNG and SVG.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::{ReportError, font};

/// Something drawable on any plotters backend, so the same code makes the
/// PNG and the SVG.
pub trait Figure {
    /// Pixel size of the picture.
    fn size(&self) -> (u32, u32);

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// Writes `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn write_png_and_svg(figure: &impl Figure, stem: &Path) -> Result<Vec<PathBuf>, ReportError> {
    font::ensure_registered()?;
    let png = with_suffix(stem, ".png");
    let svg = with_suffix(stem, ".svg");
    render(figure, BitMapBackend::new(&png, figure.size()), &png)?;
    render(figure, SVGBackend::new(&svg, figure.size()), &svg)?;
    Ok(vec![png, svg])
}

fn render<DB: DrawingBackend>(
    figure: &impl Figure,
    backend: DB,
    path: &Path,
) -> Result<(), ReportError> {
    let root = backend.into_drawing_area();
    let drawn = root
        .fill(&WHITE)
        .and_then(|()| figure.draw(&root))
        .and_then(|()| root.present());
    drawn.map_err(|e| ReportError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `stem` plus a suffix; unlike `Path::with_extension` this keeps dots already
/// in the stem (`frontier-v0.2` stays whole).
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A colour for the `i`th series: ten well-separated hues, then repeating.
pub fn series_colour(i: usize) -> RGBColor {
    const HUES: [(u8, u8, u8); 10] = [
        (0x1f, 0x77, 0xb4),
        (0xff, 0x7f, 0x0e),
        (0x2c, 0xa0, 0x2c),
        (0xd6, 0x27, 0x28),
        (0x94, 0x67, 0xbd),
        (0x8c, 0x56, 0x4b),
        (0xe3, 0x77, 0xc2),
        (0x7f, 0x7f, 0x7f),
        (0xbc, 0xbd, 0x22),
        (0x17, 0xbe, 0xcf),
    ];
    let (r, g, b) = HUES[i % HUES.len()];
    RGBColor(r, g, b)
}

/// Shading for intervals with a fault (partition) in force.
pub const FAULT_SHADE: RGBColor = RGBColor(0xff, 0xb0, 0x90);

/// Text style in the embedded font.
pub fn text(size: u32) -> TextStyle<'static> {
    TextStyle::from((font::FAMILY, size).into_font())
}

/// An axis number without needless decimals: `20`, `2.5`, `0.05`.
pub fn short_number(value: f64) -> String {
    let text = format!("{value:.2}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The legend box every chart uses, in its upper right corner.
pub fn draw_legend<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font(text(13))
        .draw()
}
