//! The form on an item's page that changes its record: name, serial and the personal-data
//! profile. Saving is one `Ledger::edit_item`, which records what changed, old and new, with
//! the reason; a save that changes nothing writes nothing and says so.

use custody_db::ids::parse_count;
use custody_db::{Item, ItemEdit, Ledger};

use crate::desk::widgets::outcome;

/// The item's record as typed, for one tag.
#[derive(Debug, Clone)]
pub struct ItemForm {
    pub tag: String,
    name: String,
    serial: String,
    encrypted: bool,
    data_subjects: String,
    categories: String,
    special_category: bool,
    safeguarding: bool,
    confidential: bool,
    anonymised_unapproved: bool,
    reason: String,
    message: Option<(bool, String)>,
}

impl From<&Item> for ItemForm {
    fn from(item: &Item) -> Self {
        ItemForm {
            tag: item.tag.clone(),
            name: item.name.clone(),
            serial: item.serial.clone().unwrap_or_default(),
            encrypted: item.encrypted,
            data_subjects: item.data_subjects.to_string(),
            categories: item.data_categories.join(", "),
            special_category: item.special_category,
            safeguarding: item.safeguarding,
            confidential: item.confidential,
            anonymised_unapproved: item.anonymised_unapproved,
            reason: String::new(),
            message: None,
        }
    }
}

impl ItemForm {
    /// Every field as an edit: the ledger works out which of them changed.
    fn edit(&self) -> Result<ItemEdit, String> {
        Ok(ItemEdit {
            kind: None,
            name: Some(self.name.clone()),
            serial: Some(Some(self.serial.clone()).filter(|s| !s.trim().is_empty())),
            encrypted: Some(self.encrypted),
            data_categories: Some(vec![self.categories.clone()]),
            data_subjects: Some(
                parse_count("number of data subjects", &self.data_subjects).map_err(|e| e.to_string())?,
            ),
            special_category: Some(self.special_category),
            safeguarding: Some(self.safeguarding),
            confidential: Some(self.confidential),
            anonymised_unapproved: Some(self.anonymised_unapproved),
        })
    }
}

/// Shows the form; returns true when a change was saved (the page must be read again).
pub fn ui(ui: &mut egui::Ui, ledger: &mut Ledger, form: &mut ItemForm) -> bool {
    let mut saved = false;
    egui::CollapsingHeader::new("Change this item's record")
        .id_salt(("item_edit", &form.tag))
        .show(ui, |ui| {
            egui::Grid::new("item_edit").num_columns(2).show(ui, |ui| {
                let text = |ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str| {
                    let l = ui.label(label);
                    ui.add(egui::TextEdit::singleline(value).hint_text(hint).desired_width(180.0))
                        .labelled_by(l.id);
                    ui.end_row();
                };
                text(ui, "Name", &mut form.name, "");
                text(ui, "Serial", &mut form.serial, "none");
                text(ui, "Data subjects", &mut form.data_subjects, "0");
                text(ui, "Kinds of data", &mut form.categories, "contact, health");
                ui.label("");
                ui.vertical(|ui| {
                    ui.checkbox(&mut form.encrypted, "Storage encrypted");
                    ui.checkbox(&mut form.special_category, "Special category data");
                    ui.checkbox(&mut form.safeguarding, "Safeguarding information");
                    ui.checkbox(&mut form.confidential, "Confidential");
                    ui.checkbox(&mut form.anonymised_unapproved, "Anonymised, technique not approved");
                });
                ui.end_row();
                text(ui, "Why", &mut form.reason, "e.g. BitLocker turned on at the audit");
            });
            if ui.button("Save changes").clicked() {
                let result = form.edit().and_then(|edit| {
                    ledger
                        .edit_item(&form.tag, &edit, Some(&form.reason))
                        .map_err(|e| e.to_string())
                });
                form.message = Some(match result {
                    Ok(done) if done.changed_nothing() => (true, "No change: nothing was written.".to_string()),
                    Ok(done) => {
                        saved = true;
                        form.reason.clear();
                        let said: Vec<String> = done.changes.iter().map(ToString::to_string).collect();
                        (true, format!("Saved: {}.", said.join("; ")))
                    }
                    Err(e) => (false, format!("Not saved: {e}")),
                });
            }
            outcome(ui, form.message.as_ref());
        });
    saved
}
