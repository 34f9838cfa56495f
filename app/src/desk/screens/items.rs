//! The Items screen: every item in a table that only lays out the rows in view (smooth with
//! 50,000), a search over tag, name, serial and holder, and the selected item's details with
//! its whole chain of custody.

use custody_db::{Ledger, is_late};

use super::dispose_form::{self, DisposeForm};
use super::item_edit::{self, ItemForm};
use crate::desk::DeskApp;
use crate::desk::widgets;

#[derive(Debug, Default)]
pub struct ItemsUi {
    query: String,
    /// Indices into the item list that match the query, and what they were made for (the
    /// query and which reading of the list).
    filtered: Vec<usize>,
    filtered_for: Option<(String, u64)>,
    selected: Option<usize>,
    detail: Option<ItemDetail>,
    /// The selected item's record as typed in its form.
    form: Option<ItemForm>,
    /// Its disposal as typed.
    disposal: Option<DisposeForm>,
}

/// One item's page: what it is, where it is, and everything that happened to it.
#[derive(Debug, Clone)]
pub struct ItemDetail {
    pub tag: String,
    pub version: u64,
    pub lines: Vec<(String, String)>,
    pub events: Vec<ChainLine>,
}

/// One line of an item's chain on its page: (when, what, operator, voided by a correction).
pub type ChainLine = (String, String, String, bool);

impl ItemsUi {
    /// A label scanned into the search box searches for its tag.
    pub fn search_for(&mut self, query: &str) {
        self.query = query.to_string();
    }
}

/// The list's columns and the widths they ask for.
const COLUMNS: &[(&str, f32)] = &[
    ("Tag", 90.0),
    ("Kind", 100.0),
    ("Name", 220.0),
    ("Status", 70.0),
    ("Holder", 160.0),
    ("Due back", 165.0),
];

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(items) = app.lists.items.value.clone() else {
        loading(ui, app.lists.items.error.as_deref());
        return;
    };
    let state = &mut app.states.items;
    ui.horizontal(|ui| {
        widgets::search_box(
            ui,
            "Search items:",
            "tag, name, serial or holder (Ctrl+F)",
            &mut state.query,
        );
        ui.weak(format!("{} of {} items", state.filtered.len(), items.len()));
        widgets::read_at(ui, &app.ledger, app.lists.items.read_at);
    });
    let key = (state.query.trim().to_lowercase(), app.lists.items.reads);
    if state.filtered_for.as_ref() != Some(&key) {
        // The same item stays selected when the list is read again (after an edit, say).
        let was_selected = state
            .form
            .as_ref()
            .map(|f| f.tag.clone())
            .filter(|_| state.selected.is_some());
        state.filtered = items
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                widgets::matches(
                    &key.0,
                    &[
                        &r.item.tag,
                        &r.item.name,
                        r.item.serial.as_deref().unwrap_or(""),
                        r.holder_name.as_deref().unwrap_or(""),
                    ],
                )
            })
            .map(|(i, _)| i)
            .collect();
        state.filtered_for = Some(key);
        // The count above was drawn from the last filtering: draw again with this one's.
        ui.ctx().request_repaint();
        state.selected = was_selected.and_then(|tag| state.filtered.iter().position(|&i| items[i].item.tag == tag));
    }
    let moved = widgets::arrow_keys(ui, &mut state.selected, state.filtered.len());
    let selected_tag = state
        .selected
        .and_then(|i| state.filtered.get(i))
        .map(|&i| items[i].item.tag.clone());
    let split = widgets::split(ui, COLUMNS, selected_tag.is_some());
    if let (Some(tag), Some(page)) = (&selected_tag, split.page) {
        let (ledger, version) = (&mut app.ledger, &mut app.version);
        widgets::inside(ui, page, |ui| {
            let fresh = state
                .detail
                .as_ref()
                .is_some_and(|d| &d.tag == tag && d.version == *version);
            if !fresh {
                state.detail = Some(item_detail(ledger, tag, *version));
            }
            if state.form.as_ref().is_none_or(|f| &f.tag != tag)
                && let Ok(item) = ledger.item(tag)
            {
                state.form = Some(ItemForm::from(&item));
                state.disposal = Some(DisposeForm::from(&item));
            }
            let mut saved = false;
            if let Some(d) = &state.detail {
                // The form sits under what the item is, above its chain.
                detail_ui(ui, d, |ui| {
                    if let Some(form) = &mut state.form
                        && ledger.may(custody_db::Action::EditRegister)
                    {
                        saved = item_edit::ui(ui, ledger, form);
                    }
                    let here = ledger.state(tag).is_ok_and(|s| s.status == custody_db::Status::In);
                    if let Some(form) = &mut state.disposal
                        && (here || form.has_message())
                        && ledger.may(custody_db::Action::Dispose)
                    {
                        saved |= dispose_form::ui(ui, ledger, form);
                    }
                });
            }
            if saved {
                *version += 1; // the page and the lists read again
            }
        });
    }
    let tz_ledger = &app.ledger;
    let now = tz_ledger.now();
    let mut clicked = None;
    let scroll_to = state.selected.filter(|_| moved);
    widgets::inside(ui, split.list, |ui| {
        widgets::list_table(ui, COLUMNS, scroll_to).body(|body| {
            body.rows(widgets::ROW_HEIGHT, state.filtered.len(), |mut row| {
                let index = row.index();
                let r = &items[state.filtered[index]];
                row.set_selected(state.selected == Some(index));
                row.col(|ui| {
                    ui.label(&r.item.tag);
                });
                row.col(|ui| {
                    ui.label(r.item.kind.as_str());
                });
                row.col(|ui| {
                    ui.label(&r.item.name);
                });
                row.col(|ui| {
                    ui.label(r.state.status.as_str());
                    widgets::conflict_mark(ui, r.state.conflict);
                });
                row.col(|ui| {
                    ui.label(r.holder_name.as_deref().unwrap_or(""));
                });
                row.col(|ui| {
                    if let Some(due) = r.state.due_at {
                        let text = tz_ledger.format_due(due);
                        if is_late(Some(due), now) {
                            // Said in words too, not by colour alone.
                            ui.colored_label(widgets::red(ui), format!("late: {text}"));
                        } else {
                            ui.label(text);
                        }
                    }
                });
                if row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    });
    if clicked.is_some() {
        state.selected = clicked;
    }
}

pub fn loading(ui: &mut egui::Ui, error: Option<&str>) {
    match error {
        Some(e) => {
            ui.colored_label(widgets::red(ui), e);
        }
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the list\u{2026}");
            });
        }
    }
}

/// Reads one item's page (a few indexed queries).
pub fn item_detail(ledger: &Ledger, tag: &str, version: u64) -> ItemDetail {
    let mut lines = Vec::new();
    let mut events = Vec::new();
    match ledger.chain(tag) {
        Ok(chain) => {
            let item = &chain.item;
            lines.push(("Tag".into(), item.tag.clone()));
            lines.push(("Name".into(), item.name.clone()));
            lines.push(("Kind".into(), item.kind.as_str().into()));
            if let Some(s) = &item.serial {
                lines.push(("Serial".into(), s.clone()));
            }
            lines.push(("Where".into(), ledger.describe_state(&chain.state)));
            let data = widgets::flags(item);
            lines.push((
                "Personal data".into(),
                if data.is_empty() { "none recorded".into() } else { data },
            ));
            if !item.data_categories.is_empty() {
                lines.push(("Categories".into(), item.data_categories.join(", ")));
            }
            if item.kind.is_device() {
                lines.push(("Encrypted".into(), crate::render::yes_no(item.encrypted).into()));
            }
            // Its events and the changes to its record, newest first.
            let mut story: Vec<(i64, i64, ChainLine)> = chain
                .events
                .events
                .iter()
                .map(|e| {
                    let line = (
                        ledger.format_time(e.occurred_at),
                        ledger.describe(e),
                        e.operator.clone(),
                        chain.events.is_voided(e),
                    );
                    (e.occurred_at, e.seq, line)
                })
                .collect();
            for r in ledger.item_records(&item.tag).unwrap_or_default() {
                let what = match &r.reason {
                    Some(why) => format!("record: {} (why: {why})", r.summary()),
                    None => format!("record: {}", r.summary()),
                };
                story.push((
                    r.occurred_at,
                    r.seq,
                    (ledger.format_time(r.occurred_at), what, r.operator, false),
                ));
            }
            story.sort_by_key(|(at, seq, _)| std::cmp::Reverse((*at, *seq)));
            events = story.into_iter().map(|(_, _, line)| line).collect();
        }
        Err(e) => lines.push(("Error".into(), e.to_string())),
    }
    ItemDetail {
        tag: tag.to_string(),
        version,
        lines,
        events,
    }
}

/// One item's page; `between` draws what goes under its details, above its chain (the Items
/// screen's edit form).
pub fn detail_ui(ui: &mut egui::Ui, d: &ItemDetail, between: impl FnOnce(&mut egui::Ui)) {
    ui.heading(&d.tag);
    for (k, v) in &d.lines {
        if v.contains("NOT ENCRYPTED") {
            widgets::fact_line(ui, k, egui::RichText::new(v).color(widgets::amber(ui)));
        } else {
            widgets::fact_line(ui, k, v);
        }
    }
    between(ui);
    ui.separator();
    ui.strong(format!(
        "Chain of custody and changes to its record ({}, newest first)",
        d.events.len()
    ));
    egui::ScrollArea::vertical().id_salt("chain").show(ui, |ui| {
        for (when, what, operator, voided) in &d.events {
            widgets::history_line(ui, when, what, Some(operator), *voided);
        }
    });
}
