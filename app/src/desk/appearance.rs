//! The desk's look, chosen at each desk for the office it stands in: the light theme for a
//! bright room, and the text size (Ctrl+plus and Ctrl+minus, as in a browser, or on Settings).
//! Both are this desk's own facts, remembered in its database for its next start.

use custody_db::{Ledger, TEXT_SIZES};

/// What the desk shows with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Appearance {
    pub light: bool,
    /// A share of the normal size: egui's zoom factor.
    pub text_size: f32,
}

impl Appearance {
    /// As remembered at this desk (dark, normal size, unless chosen here).
    pub fn remembered(ledger: &Ledger) -> Appearance {
        Appearance {
            light: ledger.desk_light_theme().unwrap_or(false),
            text_size: ledger.desk_text_size().unwrap_or(1.0),
        }
    }

    pub fn apply(&self, ctx: &egui::Context) {
        ctx.set_theme(if self.light {
            egui::Theme::Light
        } else {
            egui::Theme::Dark
        });
        ctx.set_zoom_factor(self.text_size);
    }
}

/// Each frame: the first time, shows the desk as remembered; after that, keeps the text size
/// the keyboard chose (within the sizes a desk may have) and remembers it.
pub fn keep(applied: &mut Option<Appearance>, ledger: &mut Ledger, ctx: &egui::Context) {
    let Some(now) = applied else {
        let remembered = Appearance::remembered(ledger);
        remembered.apply(ctx);
        *applied = Some(remembered);
        return;
    };
    let zoom = ctx.zoom_factor();
    if (zoom - now.text_size).abs() < 0.005 {
        return;
    }
    let size = zoom.clamp(*TEXT_SIZES.start(), *TEXT_SIZES.end());
    if size != zoom {
        ctx.set_zoom_factor(size);
    }
    now.text_size = size;
    // A desk on a read-only file still zooms; it just starts at the old size next time.
    let _ = ledger.set_desk_text_size(size);
}

/// Changes the theme or the text size from Settings, and remembers it at this desk.
pub fn change(
    applied: &mut Option<Appearance>,
    ledger: &mut Ledger,
    ctx: &egui::Context,
    new: Appearance,
) -> custody_db::Result<()> {
    ledger.set_desk_light_theme(new.light)?;
    ledger.set_desk_text_size(new.text_size)?;
    let new = Appearance {
        text_size: ledger.desk_text_size()?,
        ..new
    };
    new.apply(ctx);
    *applied = Some(new);
    Ok(())
}
