//! Small pieces the screens share: the coloured message, item flags, a labelled search box.

use custody_db::Item;
use egui::{Color32, RichText};

use super::session::{Banner, Tone};

pub const GREEN: Color32 = Color32::from_rgb(0x1b, 0x7f, 0x3b);
pub const RED: Color32 = Color32::from_rgb(0xb3, 0x26, 0x1e);
pub const AMBER: Color32 = Color32::from_rgb(0x9a, 0x5b, 0x00);

/// The big message at the top of the Desk: green when done, red when refused.
pub fn banner(ui: &mut egui::Ui, banner: &Banner) {
    // The words say what happened; the colour only repeats it.
    let fill = match banner.tone {
        Tone::Done => GREEN,
        Tone::Refused => RED,
        Tone::Info => Color32::from_rgb(0x2b, 0x4c, 0x7e),
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
/// width, never cut off) and by whom; struck through when a later correction voided it.
pub fn history_line(ui: &mut egui::Ui, when: &str, what: &str, by: Option<&str>, voided: bool) {
    ui.horizontal_top(|ui| {
        ui.add_sized([118.0, ROW_HEIGHT - 4.0], egui::Label::new(RichText::new(when).weak()));
        let mut text = RichText::new(what);
        if voided {
            text = text.strikethrough();
        }
        let by = by.map(|b| format!("  \u{b7} {b}")).unwrap_or_default();
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
    std::fs::write(&path, bytes).map_err(|e| format!("Could not write {}: {e}", path.display()))?;
    Ok(format!("Saved {}", path.display()))
}

/// The line under a form saying how it went: green when done, red when not.
pub fn outcome(ui: &mut egui::Ui, message: Option<&(bool, String)>) {
    if let Some((ok, text)) = message {
        ui.colored_label(if *ok { GREEN } else { RED }, text);
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
            AMBER,
            format!(
                "offline since {} \u{2014} {waiting} records waiting",
                short_time(ledger, to_millis(*since))
            ),
            None,
        ),
        SyncState::Refused { why } => (RED, "sync refused".to_string(), Some(why.clone())),
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
        ui.colored_label(RED, "conflict").on_hover_text(
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
