//! The Out now screen: everything off the premises, latest due first at the bottom, late
//! items in red; selecting one shows its page.

use custody_db::is_late;
use custody_db::time::{describe_lateness, from_millis};

use super::items::{ItemDetail, detail_ui, item_detail, loading};
use crate::desk::DeskApp;
use crate::desk::widgets;

#[derive(Debug, Default)]
pub struct OutNowUi {
    query: String,
    selected: Option<usize>,
    detail: Option<ItemDetail>,
}

impl OutNowUi {
    /// A label scanned into the search box searches for its tag.
    pub fn search_for(&mut self, query: &str) {
        self.query = query.to_string();
    }
}

/// The list's columns and the widths they ask for.
const COLUMNS: &[(&str, f32)] = &[
    ("Tag", 90.0),
    ("Name", 200.0),
    ("Holder", 170.0),
    ("Since", 130.0),
    ("Due back", 165.0),
    ("Late by", 90.0),
];

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    app.lists.out_now.keep_fresh(app.version, &app.source, &ctx, |l| {
        l.out_now().map_err(|e| e.to_string())
    });
    let Some(rows) = app.lists.out_now.value.clone() else {
        loading(ui, app.lists.out_now.error.as_deref());
        return;
    };
    let now = app.ledger.now();
    let state = &mut app.states.out_now;
    let query = state.query.trim().to_lowercase();
    let mut shown: Vec<_> = rows
        .iter()
        .filter(|r| widgets::matches(&query, &[&r.tag, &r.name, &r.holder, &r.holder_name]))
        .collect();
    shown.sort_by_key(|r| r.due_at.unwrap_or(i64::MAX));
    let late = shown.iter().filter(|r| is_late(r.due_at, now)).count();
    ui.horizontal(|ui| {
        widgets::search_box(ui, "Search:", "tag, name or holder (Ctrl+F)", &mut state.query);
        ui.weak(format!("{} out, {late} overdue", shown.len()));
        widgets::read_at(ui, &app.ledger, app.lists.out_now.read_at);
    });
    let moved = widgets::arrow_keys(ui, &mut state.selected, shown.len());
    let selected = state.selected.and_then(|i| shown.get(i));
    let split = widgets::split(ui, COLUMNS, selected.is_some());
    if let (Some(row), Some(page)) = (selected, split.page) {
        let tag = row.tag.clone();
        widgets::inside(ui, page, |ui| {
            if state
                .detail
                .as_ref()
                .is_none_or(|d| d.tag != tag || d.version != app.version)
            {
                state.detail = Some(item_detail(&app.ledger, &tag, app.version));
            }
            if let Some(d) = &state.detail {
                detail_ui(ui, d, |_| {});
            }
        });
    }
    let ledger = &app.ledger;
    let mut clicked = None;
    let scroll_to = state.selected.filter(|_| moved);
    widgets::inside(ui, split.list, |ui| {
        widgets::list_table(ui, COLUMNS, scroll_to).body(|body| {
            body.rows(widgets::ROW_HEIGHT, shown.len(), |mut row| {
                let index = row.index();
                let r = shown[index];
                row.set_selected(state.selected == Some(index));
                row.col(|ui| {
                    ui.label(&r.tag);
                    widgets::conflict_mark(ui, r.conflict);
                });
                row.col(|ui| {
                    ui.label(&r.name);
                });
                row.col(|ui| {
                    ui.label(format!("{} ({})", r.holder_name, r.holder));
                });
                row.col(|ui| {
                    ui.label(ledger.format_time(r.since));
                });
                row.col(|ui| {
                    ui.label(r.due_at.map(|d| ledger.format_due(d)).unwrap_or_default());
                });
                row.col(|ui| {
                    if let Some(due) = r.due_at.filter(|&d| is_late(Some(d), now)) {
                        ui.colored_label(
                            widgets::red(ui),
                            describe_lateness(from_millis(due), now, ledger.timezone()),
                        );
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
        state.detail = None;
    }
}
