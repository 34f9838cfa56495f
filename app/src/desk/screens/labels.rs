//! The Labels screen (F8): choose items, people or containers (search, tick many, or everything
//! added since a date), a label stock and how many labels of its first sheet are used already,
//! see one label as it will print, and save the PDF in `reports/`.

use std::collections::BTreeSet;
use std::sync::Arc;

use custody_db::{DayEdge, Status};
use custody_labels::sheet::{Label, LabelLayout, MM, TEMPLATES, layout_label};

use crate::desk::DeskApp;
use crate::desk::widgets::{self, outcome};
use crate::render::labels;

/// Screen points to a printed point in the preview, at most: a 38 mm label is about 300 tall.
const PREVIEW_SCALE: f32 = 2.8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Source {
    #[default]
    Items,
    People,
    Containers,
}

/// One thing a label can be printed for, as the list shows it.
#[derive(Clone, Debug)]
struct Row {
    id: String,
    name: String,
    what: String,
    added_at: Option<i64>,
    label: Label,
}

#[derive(Default)]
pub struct LabelsUi {
    source: Source,
    query: String,
    added_since: String,
    /// The ids ticked, in order.
    selected: BTreeSet<String>,
    template: usize,
    skip: String,
    /// The preview's layout (the printed sheet's own) and what it shows (id, template).
    preview: Option<(LabelLayout, (String, usize))>,
    /// The rows, and which reading of the list they were made from.
    rows: Option<(RowsKey, Arc<Vec<Row>>)>,
    /// The rows shown (indices), and the search and date they were filtered by.
    shown: Option<(Filter, Vec<usize>)>,
    message: Option<(bool, String)>,
}

impl std::fmt::Debug for LabelsUi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelsUi")
            .field("selected", &self.selected.len())
            .finish_non_exhaustive()
    }
}

/// Which reading of which list the rows were made from.
type RowsKey = (Source, u64);
/// The search (lower case) and the "added since" moment the shown rows were filtered by.
type Filter = (String, Option<i64>);

/// The rows of the chosen source (items not retired, active people, containers), made again
/// only when the list was read again: 50,000 items are not copied on every frame.
fn rows(app: &mut DeskApp) -> Option<Arc<Vec<Row>>> {
    let source = app.states.labels.source;
    let key: RowsKey = match source {
        Source::Items => (source, app.lists.items.reads),
        Source::People => (source, app.lists.people.reads),
        Source::Containers => (source, app.version),
    };
    if let Some((made_for, rows)) = &app.states.labels.rows
        && *made_for == key
    {
        return Some(rows.clone());
    }
    let made: Vec<Row> = match source {
        Source::Items => app
            .lists
            .items
            .value
            .as_ref()?
            .iter()
            .filter(|r| r.state.status != Status::Retired)
            .map(|r| Row {
                id: r.item.tag.clone(),
                name: r.item.name.clone(),
                what: r.item.kind.as_str().to_string(),
                added_at: Some(r.added_at),
                label: labels::for_item(&r.item),
            })
            .collect(),
        Source::People => app
            .lists
            .people
            .value
            .as_ref()?
            .iter()
            .filter(|r| r.person.active)
            .map(|r| Row {
                id: r.person.id.clone(),
                name: r.person.name.clone(),
                what: "person badge".to_string(),
                added_at: Some(r.added_at),
                label: labels::for_person(&r.person.id),
            })
            .collect(),
        Source::Containers => app
            .ledger
            .containers()
            .unwrap_or_default()
            .iter()
            .map(|c| Row {
                id: c.id.clone(),
                name: c.name.clone(),
                what: c.kind.as_str().to_string(),
                added_at: None,
                label: labels::for_container(c),
            })
            .collect(),
    };
    let made = Arc::new(made);
    app.states.labels.rows = Some((key, made.clone()));
    app.states.labels.shown = None;
    Some(made)
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(all) = rows(app) else {
        super::items::loading(ui, app.lists.items.error.as_deref());
        return;
    };
    let since = match app.states.labels.added_since.trim() {
        "" => Ok(None),
        text => app
            .ledger
            .parse_when(text, DayEdge::Start)
            .map(|t| Some(custody_db::time::to_millis(t)))
            .map_err(|e| e.to_string()),
    };
    let state = &mut app.states.labels;
    ui.horizontal(|ui| {
        let before = state.source;
        ui.radio_value(&mut state.source, Source::Items, "Items");
        ui.radio_value(&mut state.source, Source::People, "People");
        ui.radio_value(&mut state.source, Source::Containers, "Containers");
        if state.source != before {
            state.selected.clear();
        }
        ui.separator();
        widgets::search_box(ui, "Search:", "id or name (Ctrl+F)", &mut state.query);
        let l = ui.label("Added since");
        ui.add(
            egui::TextEdit::singleline(&mut state.added_since)
                .hint_text("a date")
                .desired_width(100.0),
        )
        .labelled_by(l.id);
    });
    if let Err(e) = &since {
        ui.colored_label(widgets::red(ui), e);
    }
    let since = since.ok().flatten();
    let filter = (state.query.trim().to_lowercase(), since);
    if state.shown.as_ref().is_none_or(|(f, _)| *f != filter) {
        let (query, since) = &filter;
        let indices = (0..all.len())
            .filter(|&i| widgets::matches(query, &[&all[i].id, &all[i].name]))
            .filter(|&i| since.is_none_or(|s| all[i].added_at.is_some_and(|a| a >= s)))
            .collect();
        state.shown = Some((filter, indices));
    }
    let shown: Vec<&Row> = state
        .shown
        .as_ref()
        .map_or(Vec::new(), |(_, i)| i.iter().map(|&i| &all[i]).collect());
    ui.horizontal(|ui| {
        if ui.button(format!("Tick all shown ({})", shown.len())).clicked() {
            state.selected.extend(shown.iter().map(|r| r.id.clone()));
        }
        if ui.button("Clear").clicked() {
            state.selected.clear();
        }
        ui.weak(format!("{} ticked of {}", state.selected.len(), all.len()));
    });
    // The first ticked (for the preview): found by id, not by walking every row each frame.
    let first_ticked = state
        .selected
        .iter()
        .next()
        .and_then(|id| all.iter().find(|r| &r.id == id));
    egui::Panel::right("labels-sheet")
        .exact_size(380.0)
        .resizable(false)
        .show(ui, |ui| {
            sheet_panel(ui, &app.ledger, state, &all, first_ticked.or(shown.first().copied()));
        });
    let mut toggled: Option<String> = None;
    widgets::list_table(
        ui,
        &[("Print", 50.0), ("Id", 110.0), ("Name", 240.0), ("What", 120.0)],
        None,
    )
    .body(|body| {
        body.rows(widgets::ROW_HEIGHT, shown.len(), |mut row| {
            let r = shown[row.index()];
            let mut ticked = state.selected.contains(&r.id);
            row.col(|ui| {
                if ui.checkbox(&mut ticked, "").on_hover_text(&r.id).changed() {
                    toggled = Some(r.id.clone());
                }
            });
            row.col(|ui| {
                ui.label(&r.id);
            });
            row.col(|ui| {
                ui.label(&r.name);
            });
            row.col(|ui| {
                ui.label(&r.what);
            });
            if row.response().clicked() {
                toggled = Some(r.id.clone());
            }
        });
    });
    if let Some(id) = toggled
        && !state.selected.remove(&id)
    {
        state.selected.insert(id);
    }
}

fn sheet_panel(ui: &mut egui::Ui, ledger: &custody_db::Ledger, state: &mut LabelsUi, all: &[Row], first: Option<&Row>) {
    let label = ui.strong("Label stock");
    egui::ComboBox::from_id_salt("label-template")
        .selected_text(TEMPLATES[state.template].name)
        .width(340.0)
        .show_ui(ui, |ui| {
            for (i, t) in TEMPLATES.iter().enumerate() {
                ui.selectable_value(&mut state.template, i, t.description);
            }
        })
        .response
        .labelled_by(label.id);
    let template = &TEMPLATES[state.template];
    ui.weak(template.description);
    ui.horizontal(|ui| {
        let l = ui.label("Labels already used on the first sheet");
        ui.add(
            egui::TextEdit::singleline(&mut state.skip)
                .hint_text("0")
                .desired_width(40.0),
        )
        .labelled_by(l.id);
    });
    let skip = match state.skip.trim() {
        "" => Ok(0),
        s => s.parse::<u32>().map_err(|_| format!("{s:?} is not a number of labels")),
    };
    // The first ticked, or else the first shown: what the labels will look like.
    let sample = first;
    if let Some(row) = sample {
        let key = (row.id.clone(), state.template);
        if state.preview.as_ref().is_none_or(|(_, k)| *k != key) {
            let organisation = ledger.organisation().ok().flatten().unwrap_or_default();
            let (w, h) = (template.label_w * MM, template.label_h * MM);
            match layout_label(&row.label, &organisation, w, h) {
                Ok(layout) => state.preview = Some((layout, key)),
                Err(e) => state.message = Some((false, e.to_string())),
            }
        }
        if let Some((layout, _)) = &state.preview {
            ui.add_space(4.0);
            ui.label(format!("{} as it will print:", row.id));
            draw_preview(ui, layout, &row.id);
        }
    }
    ui.add_space(6.0);
    let ticked = state.selected.len();
    match (&skip, ticked == 0) {
        (Err(e), _) => {
            ui.colored_label(widgets::red(ui), e);
        }
        (Ok(_), true) => {
            ui.weak("Tick what to print.");
        }
        (Ok(skip), false) => {
            ui.label(format!("{}.", labels::pages_text(ticked, template, *skip)));
            if ui.button("Save PDF").clicked() {
                // In the list's order (by id), as they will be stuck on.
                let all: Vec<Label> = all
                    .iter()
                    .filter(|r| state.selected.contains(&r.id))
                    .map(|r| r.label.clone())
                    .collect();
                let file = format!("labels-{}-{}.pdf", template.name, ledger.now().format("%Y%m%d-%H%M%S"));
                let saved = labels::sheet(ledger, &all, template, *skip)
                    .map_err(|e| e.to_string())
                    .and_then(|pdf| widgets::save_report(ledger, &file, &pdf));
                state.message = Some(widgets::outcome_of(saved.map(|s| {
                    format!("{s}. Print at 100% (\"actual size\"), not \"fit to page\", so the labels line up.")
                })));
            }
        }
    }
    outcome(ui, state.message.as_ref());
}

/// Draws a label from the printed sheet's own layout: the code's runs where the PDF puts them,
/// and its lines at the PDF's places and sizes (in the desk's font, not Helvetica; the identifier
/// bold, as printed).
fn draw_preview(ui: &mut egui::Ui, layout: &LabelLayout, id: &str) {
    let scale = (ui.available_width() / layout.w).min(PREVIEW_SCALE);
    let size = egui::vec2(layout.w, layout.h) * scale;
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    response.widget_info(|| {
        let text = layout
            .lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        egui::WidgetInfo::labeled(
            egui::Role::Image,
            true,
            format!("Label for {id} as it will print: {text}"),
        )
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    painter.rect_stroke(
        rect,
        0.0,
        (1.0, egui::Color32::from_gray(200)),
        egui::StrokeKind::Inside,
    );
    for &(x, y, w, h) in &layout.dark {
        let run = egui::Rect::from_min_size(rect.min + egui::vec2(x, y) * scale, egui::vec2(w, h) * scale);
        painter.rect_filled(run, 0.0, egui::Color32::BLACK);
    }
    for line in &layout.lines {
        let font = egui::FontId::proportional(line.size * scale);
        let galley = painter.layout_no_wrap(line.text.clone(), font, egui::Color32::BLACK);
        // The galley is placed by its top; the PDF by its baseline.
        let ascent = galley
            .rows
            .first()
            .map_or(0.0, |r| r.row.glyphs.first().map_or(0.0, |g| g.font_ascent));
        let at = rect.min + egui::vec2(line.x, line.baseline) * scale - egui::vec2(0.0, ascent);
        painter.galley(at, galley.clone(), egui::Color32::BLACK);
        if line.bold {
            // egui's fonts have no bold: drawn twice, a hair apart, as printed heavier.
            painter.galley(at + egui::vec2(0.6, 0.0), galley, egui::Color32::BLACK);
        }
    }
}
