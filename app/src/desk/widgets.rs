//! Small pieces the screens share: the coloured message, item flags, a labelled search box.

use custody_db::Item;
use egui::{Color32, RichText};

use super::session::{Banner, Tone};

/// The colours that say something (done, needs a look, refused) as text, for each theme: each
/// at least 4.5:1 against the theme's backgrounds (WCAG 2.2 AA; tested), and never the only way
/// it is said.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub green: Color32,
    pub amber: Color32,
    pub red: Color32,
}

pub const DARK_PALETTE: Palette = Palette {
    green: Color32::from_rgb(0x4c, 0xc3, 0x5c),
    amber: Color32::from_rgb(0xe3, 0xb3, 0x41),
    red: Color32::from_rgb(0xff, 0x80, 0x78),
};

pub const LIGHT_PALETTE: Palette = Palette {
    green: Color32::from_rgb(0x13, 0x62, 0x2c),
    amber: Color32::from_rgb(0x87, 0x4d, 0x00),
    red: Color32::from_rgb(0xa8, 0x1f, 0x18),
};

pub fn palette(visuals: &egui::Visuals) -> Palette {
    if visuals.dark_mode { DARK_PALETTE } else { LIGHT_PALETTE }
}

pub fn green(ui: &egui::Ui) -> Color32 {
    palette(ui.visuals()).green
}

pub fn amber(ui: &egui::Ui) -> Color32 {
    palette(ui.visuals()).amber
}

pub fn red(ui: &egui::Ui) -> Color32 {
    palette(ui.visuals()).red
}

/// The banner's fills, under white text (at least 4.5:1 in either theme).
const BANNER_GREEN: Color32 = Color32::from_rgb(0x1b, 0x7f, 0x3b);
const BANNER_RED: Color32 = Color32::from_rgb(0xb3, 0x26, 0x1e);
const BANNER_BLUE: Color32 = Color32::from_rgb(0x2b, 0x4c, 0x7e);

/// The big message at the top of the Desk: green when done, red when refused.
pub fn banner(ui: &mut egui::Ui, banner: &Banner) {
    // The words say what happened; the colour only repeats it.
    let fill = match banner.tone {
        Tone::Done => BANNER_GREEN,
        Tone::Refused => BANNER_RED,
        Tone::Info => BANNER_BLUE,
    };
    egui::Frame::new()
        .fill(fill)
        .inner_margin(12.0)
        .corner_radius(6.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(&banner.text).size(18.0).color(Color32::WHITE));
        });
}

/// "personal data (340) · special category · safeguarding · NOT ENCRYPTED", or "".
pub fn flags(item: &Item) -> String {
    let mut parts = Vec::new();
    if item.holds_personal_data() {
        parts.push(if item.data_subjects > 0 {
            format!("personal data ({})", item.data_subjects)
        } else {
            "personal data".to_string()
        });
    }
    if item.special_category {
        parts.push("special category".to_string());
    }
    if item.safeguarding {
        parts.push("safeguarding".to_string());
    }
    if item.unencrypted_personal_data() {
        parts.push("NOT ENCRYPTED".to_string());
    }
    parts.join(" \u{b7} ")
}

/// The search box of whichever screen is open (and Exposure's "Person or container"): a label
/// scanned into it searches for its id.
pub fn search_id() -> egui::Id {
    egui::Id::unique("search")
}

/// The Desk's "Authorised by" field: a badge scanned into it names the authoriser.
pub fn authoriser_id() -> egui::Id {
    egui::Id::unique("authoriser")
}

/// A search box with a visible label that screen readers (and tests) find it by.
/// Ctrl+F puts the cursor in it.
pub fn search_box(ui: &mut egui::Ui, label: &str, hint: &str, text: &mut String) -> egui::Response {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let field = egui::TextEdit::singleline(text)
            .id(search_id())
            .hint_text(hint)
            .desired_width(320.0);
        let response = ui.add(field).labelled_by(label.id);
        focus_on_ctrl_f(ui, &response);
        response
    })
    .inner
}

/// Ctrl+F (Cmd+F) puts the cursor in this field: each screen's main field has it.
pub fn focus_on_ctrl_f(ui: &egui::Ui, field: &egui::Response) {
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
        field.request_focus();
    }
}

/// A line of text that never widens its panel: cut short with "…", whole on hover.
pub fn short(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) -> egui::Response {
    ui.add(egui::Label::new(text).truncate())
}

/// Where a list and its selected row's page go, side by side within the space left: the list
/// at its natural width but at most 55% of it (its columns shrink to fit), the page the rest, so
/// neither draws over the other at 1024 px and the page uses the width of a wide screen.
pub struct Split {
    pub list: egui::Rect,
    pub page: Option<egui::Rect>,
}

/// The gap between a list and its page; a line runs down its middle.
const SPLIT_GAP: f32 = 16.0;

pub fn split(ui: &egui::Ui, columns: &[(&'static str, f32)], with_page: bool) -> Split {
    let space = ui.available_rect_before_wrap();
    if !with_page {
        return Split {
            list: space,
            page: None,
        };
    }
    let natural = natural_width(ui, columns);
    let list_width = natural.min(space.width() * 0.55).floor();
    let list = egui::Rect::from_min_max(space.min, egui::pos2(space.min.x + list_width, space.max.y));
    let page = egui::Rect::from_min_max(egui::pos2(list.max.x + SPLIT_GAP, space.min.y), space.max);
    let line_x = list.max.x + SPLIT_GAP / 2.0;
    ui.painter()
        .vline(line_x, space.y_range(), ui.visuals().widgets.noninteractive.bg_stroke);
    Split { list, page: Some(page) }
}

/// Draws `add` in a child of `ui` confined (and clipped) to `rect`.
pub fn inside<R>(ui: &mut egui::Ui, rect: egui::Rect, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    child.shrink_clip_rect(rect);
    add(&mut child)
}

/// The width a list's columns ask for, with the spacing between them.
fn natural_width(ui: &egui::Ui, columns: &[(&'static str, f32)]) -> f32 {
    columns.iter().map(|(_, w)| w).sum::<f32>() + ui.spacing().item_spacing.x * columns.len() as f32
}

/// One fact on a page, "Where  out with Sam Jones (S001) since …": the name in a column of
/// its own, the value wrapped to the page's width (a grid would widen the page instead).
pub fn fact_line(ui: &mut egui::Ui, name: &str, value: impl Into<egui::WidgetText>) {
    ui.horizontal_top(|ui| {
        ui.add_sized([110.0, ROW_HEIGHT - 4.0], egui::Label::new(RichText::new(name).weak()));
        ui.add(egui::Label::new(value).wrap());
    });
}

/// One line of a page's history: when (a column of its own), what (wrapped to the page's
/// width, never cut off) and by whom; struck through when a later correction voided it, and
/// said in words too (a screen reader does not read a strike-through).
pub fn history_line(ui: &mut egui::Ui, when: &str, what: &str, by: Option<&str>, voided: bool) {
    ui.horizontal_top(|ui| {
        ui.add_sized([118.0, ROW_HEIGHT - 4.0], egui::Label::new(RichText::new(when).weak()));
        let mut text = RichText::new(what);
        if voided {
            text = text.strikethrough();
        }
        let mut by = by.map(|b| format!("  \u{b7} {b}")).unwrap_or_default();
        if voided {
            by.push_str("  (voided by a later correction)");
        }
        let mut job = egui::text::LayoutJob::default();
        let style = ui.style().clone();
        text.append_to(&mut job, &style, egui::FontSelection::Default, egui::Align::Min);
        RichText::new(by)
            .weak()
            .append_to(&mut job, &style, egui::FontSelection::Default, egui::Align::Min);
        let label = ui.add(egui::Label::new(job).wrap());
        if voided {
            label.on_hover_text("Voided by a later correction; kept in the ledger.");
        }
    });
}

/// The height of a row in the lists.
pub const ROW_HEIGHT: f32 = 22.0;

/// A list as the screens show one: the columns (title, width) shrunk in proportion when they do
/// not fit the space left, so a list never draws past its side of the window; rows that can be
/// clicked; scrolled to `scroll_to` (the row the arrow keys moved to). The caller adds the body.
pub fn list_table<'a>(
    ui: &'a mut egui::Ui,
    columns: &[(&'static str, f32)],
    scroll_to: Option<usize>,
) -> egui_extras::Table<'a> {
    let spacing = ui.spacing().item_spacing.x * columns.len() as f32;
    let total: f32 = columns.iter().map(|(_, w)| w).sum();
    let scale = ((ui.available_width() - spacing) / total).min(1.0);
    let mut table = egui_extras::TableBuilder::new(ui)
        .striped(true)
        .sense(egui::Sense::click());
    for (_, width) in columns {
        table = table.column(egui_extras::Column::exact((width * scale).floor()).clip(true));
    }
    if let Some(row) = scroll_to {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    let titles: Vec<&'static str> = columns.iter().map(|(t, _)| *t).collect();
    table.header(ROW_HEIGHT, move |mut h| {
        for title in titles {
            h.col(|ui| {
                ui.strong(title);
            });
        }
    })
}

/// "read 10:42" for a list read in the background, so the clerk can see how fresh it is.
pub fn read_at(ui: &mut egui::Ui, ledger: &custody_db::Ledger, at: Option<chrono::DateTime<chrono::Utc>>) {
    if let Some(at) = at {
        let local = at.with_timezone(&ledger.timezone()).format("%H:%M:%S");
        ui.weak(format!("read at {local}"));
    }
}

/// Moves a selection through `len` rows with the arrow keys; returns whether it moved.
pub fn arrow_keys(ui: &egui::Ui, selected: &mut Option<usize>, len: usize) -> bool {
    if len == 0 {
        return false;
    }
    let (down, up) = ui.input(|i| (i.key_pressed(egui::Key::ArrowDown), i.key_pressed(egui::Key::ArrowUp)));
    let next = match (*selected, down, up) {
        (None, true, _) | (None, _, true) => 0,
        (Some(i), true, _) => (i + 1).min(len - 1),
        (Some(i), _, true) => i.saturating_sub(1),
        _ => return false,
    };
    *selected = Some(next);
    true
}

/// Case-insensitive "contains" over a few fields, with the query already lower-cased.
pub fn matches(query_lower: &str, fields: &[&str]) -> bool {
    query_lower.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(query_lower))
}

/// Writes a report into `reports/` beside the database and says where, for the screen.
pub fn save_report(ledger: &custody_db::Ledger, name: &str, bytes: &[u8]) -> Result<String, String> {
    let folder = ledger
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("reports");
    std::fs::create_dir_all(&folder).map_err(|e| format!("Could not create {}: {e}", folder.display()))?;
    let path = folder.join(name);
    // Whole or not at all, even if the power goes as it is written.
    custody_db::durable::write_file(&path, bytes).map_err(|e| format!("Could not write {}: {e}", path.display()))?;
    Ok(format!("Saved {}", path.display()))
}

/// The line under a form saying how it went: green when done, red when not.
pub fn outcome(ui: &mut egui::Ui, message: Option<&(bool, String)>) {
    if let Some((ok, text)) = message {
        ui.colored_label(if *ok { green(ui) } else { red(ui) }, text);
    }
}

/// A finished job's message as (done, text).
pub fn outcome_of(result: Result<String, String>) -> (bool, String) {
    match result {
        Ok(text) => (true, text),
        Err(text) => (false, text),
    }
}

/// The sync thread's last word, in the navigation bar: "synced 10:42" (grey), "offline since
/// 09:12: 14 entries waiting" (amber), or a refusal (red; the whole text on hover).
pub fn sync_state(ui: &mut egui::Ui, state: &crate::sync::background::SyncState, ledger: &custody_db::Ledger) {
    use crate::sync::background::SyncState;
    use custody_db::time::to_millis;
    let (colour, text, full) = match state {
        SyncState::Synced { at, .. } => {
            let minutes = (ledger.now() - *at).num_minutes();
            let when = match minutes {
                ..1 => "just now".to_string(),
                1..60 => format!("{minutes} min ago"),
                _ => format!("at {}", short_time(ledger, to_millis(*at))),
            };
            (ui.visuals().weak_text_color(), format!("synced {when}"), None)
        }
        SyncState::Offline { since, waiting } => (
            amber(ui),
            format!(
                "offline since {} \u{2014} {waiting} records waiting",
                short_time(ledger, to_millis(*since))
            ),
            None,
        ),
        SyncState::Refused { why } => (red(ui), "sync refused".to_string(), Some(why.clone())),
    };
    let label = ui.colored_label(colour, text);
    if let Some(full) = full {
        label.on_hover_text(full);
    }
    ui.separator();
}

/// "conflict" beside an item that desks disagree about, with what to do on hover.
pub fn conflict_mark(ui: &mut egui::Ui, conflict: bool) {
    if conflict {
        ui.colored_label(red(ui), "conflict").on_hover_text(
            "Two desks recorded moves of this item that cannot both be true. Until a manager corrects the one that should not stand (custody conflicts lists them), exposure counts everyone it was signed out to.",
        );
    }
}

/// "10:42" today, else the date and time.
fn short_time(ledger: &custody_db::Ledger, millis: i64) -> String {
    let full = ledger.format_time(millis);
    let today = custody_db::time::format_date(ledger.today());
    full.strip_prefix(&format!("{today} "))
        .map_or(full.clone(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2.2's relative luminance of an sRGB colour.
    fn luminance(c: Color32) -> f64 {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    }

    /// A premultiplied (or additive) colour as it shows over an opaque one.
    fn over(base: Color32, c: Color32) -> Color32 {
        let keep = 1.0 - f32::from(c.a()) / 255.0;
        let mix = |top: u8, under: u8| (f32::from(top) + f32::from(under) * keep).min(255.0) as u8;
        Color32::from_rgb(mix(c.r(), base.r()), mix(c.g(), base.g()), mix(c.b(), base.b()))
    }

    fn contrast(a: Color32, b: Color32) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn the_contrast_checker_agrees_with_wcag() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        // #777 on white is the well-known borderline: 4.48:1.
        assert!((contrast(Color32::from_gray(0x77), Color32::WHITE) - 4.48).abs() < 0.01);
    }

    /// Green, amber and red text is at least 4.5:1 (WCAG 2.2 AA) on every background it is
    /// drawn on, in both themes: panels, windows, striped rows and fields.
    #[test]
    fn coloured_text_is_readable_on_every_background_in_both_themes() {
        for visuals in [egui::Visuals::dark(), egui::Visuals::light()] {
            let p = palette(&visuals);
            let backgrounds = [
                ("panel", visuals.panel_fill),
                ("window", visuals.window_fill),
                ("striped row", over(visuals.panel_fill, visuals.faint_bg_color)),
                ("field", visuals.extreme_bg_color),
            ];
            for (name, colour) in [("green", p.green), ("amber", p.amber), ("red", p.red)] {
                for (background, fill) in backgrounds {
                    let ratio = contrast(colour, fill);
                    assert!(
                        ratio >= 4.5,
                        "{name} on the {} theme's {background}: {ratio:.2}:1",
                        if visuals.dark_mode { "dark" } else { "light" }
                    );
                }
            }
        }
        // White on the banner's fills.
        for fill in [BANNER_GREEN, BANNER_RED, BANNER_BLUE] {
            assert!(contrast(Color32::WHITE, fill) >= 4.5, "{fill:?}");
        }
    }
}
