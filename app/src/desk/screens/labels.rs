//! The Labels screen (F8): choose items, people or containers (search, tick many, or everything
//! added since a date), a label stock and how many labels of its first sheet are used already,
//! see one label as it will print, and save the PDF in `reports/`.

use std::collections::BTreeSet;
use std::sync::Arc;

use custody_db::{DayEdge, Status};
use custody_labels::preview::label_on_template;
use custody_labels::sheet::{Label, TEMPLATES};

use crate::desk::DeskApp;
use crate::desk::widgets::{self, outcome};
use crate::render::labels;

/// Pixels to a millimetre in the preview: a 38 mm label is about 300 pixels tall.
const PREVIEW_PX_PER_MM: f32 = 8.0;

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
    /// The preview's texture and what it shows (id, template).
    preview: Option<(egui::TextureHandle, (String, usize))>,
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
            match label_on_template(&row.label, template, PREVIEW_PX_PER_MM) {
                Ok((w, h, pixels)) => {
                    let image = egui::ColorImage::from_gray([w as usize, h as usize], &pixels);
                    let texture = ui
                        .ctx()
                        .load_texture("label-preview", image, egui::TextureOptions::NEAREST);
                    state.preview = Some((texture, key));
                }
                Err(e) => state.message = Some((false, e.to_string())),
            }
        }
        if let Some((texture, _)) = &state.preview {
            ui.add_space(4.0);
            ui.label(format!("{} as it will print:", row.id));
            let size = texture.size_vec2();
            let shown = size * (ui.available_width() / size.x).min(1.0);
            ui.add(egui::Image::new((texture.id(), shown)));
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
