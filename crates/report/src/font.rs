//! The font every plot uses, embedded so text renders on machines without
//! system fonts (DejaVu Sans; licence in `assets/DejaVuSans-LICENSE.txt`).

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::ReportError;

/// The family name plots ask for; registered to the embedded font.
pub const FAMILY: &str = "sans-serif";

const DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the embedded font with plotters (once per process).
pub fn ensure_registered() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok { Ok(()) } else { Err(ReportError::Font) }
}
