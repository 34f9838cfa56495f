//! The form on an item's page that records its disposal (R11): the method R11 allows for its
//! kind, the reference (the certificate of data destruction, or the shredding log), and the
//! witness (required for paper). One `Ledger::dispose`; a refusal is the ledger's own words.

use custody_db::disposal::{Method, NewDisposal};
use custody_db::{Item, Ledger};

use crate::desk::widgets::outcome;

#[derive(Debug, Clone)]
pub struct DisposeForm {
    pub tag: String,
    method: Method,
    reference: String,
    witness: String,
    message: Option<(bool, String)>,
}

impl From<&Item> for DisposeForm {
    fn from(item: &Item) -> Self {
        DisposeForm {
            tag: item.tag.clone(),
            method: Method::for_kind(item.kind),
            reference: String::new(),
            witness: String::new(),
            message: None,
        }
    }
}

impl DisposeForm {
    /// Whether it has something to say (kept on screen after the item is gone for good).
    pub fn has_message(&self) -> bool {
        self.message.is_some()
    }
}

/// Shows the form; returns true when the disposal was recorded.
pub fn ui(ui: &mut egui::Ui, ledger: &mut Ledger, form: &mut DisposeForm) -> bool {
    let mut done = false;
    egui::CollapsingHeader::new("Dispose of it (R11)")
        .id_salt(("dispose", &form.tag))
        .show(ui, |ui| {
            ui.label(format!("Method: {}.", form.method.describe()));
            egui::Grid::new("dispose").num_columns(2).show(ui, |ui| {
                let l = ui.label("Reference");
                let hint = match form.method {
                    Method::CertifiedDestruction => "certificate of data destruction no.",
                    Method::CrossCutShredding => "shredding log reference",
                };
                ui.add(
                    egui::TextEdit::singleline(&mut form.reference)
                        .hint_text(hint)
                        .desired_width(180.0),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Witness");
                let hint = match form.method {
                    Method::CrossCutShredding => "person id (required for paper)",
                    Method::CertifiedDestruction => "person id (optional)",
                };
                ui.add(
                    egui::TextEdit::singleline(&mut form.witness)
                        .hint_text(hint)
                        .desired_width(180.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
            if ui.button("Record disposal").clicked() {
                let result = ledger.dispose(&NewDisposal {
                    tag: &form.tag,
                    method: form.method,
                    reference: &form.reference,
                    witness: Some(form.witness.as_str()),
                    at: None,
                });
                form.message = Some(match result {
                    Ok(d) => {
                        done = true;
                        (
                            true,
                            format!(
                                "Disposed of {} ({}), reference {}: it can never leave again.",
                                d.tag, d.name, d.reference
                            ),
                        )
                    }
                    Err(e) => (false, format!("Not recorded: {e}")),
                });
            }
            if ui
                .button("Save the disposal register (PDF)")
                .on_hover_text("Everything disposed of in the last 12 months")
                .clicked()
            {
                form.message = Some(save_register(ledger));
            }
            outcome(ui, form.message.as_ref());
        });
    done
}

/// The disposal register of the last 12 months, into `reports/`.
fn save_register(ledger: &Ledger) -> (bool, String) {
    let to = ledger.now();
    let from = to - chrono::Duration::days(custody_db::disposal::REGISTER_DAYS);
    let saved = ledger
        .disposals(from, to)
        .map_err(|e| e.to_string())
        .and_then(|found| {
            crate::render::disposal::render(
                ledger,
                &found,
                (custody_db::time::to_millis(from), custody_db::time::to_millis(to)),
                crate::render::ReportFormat::Pdf,
            )
            .map_err(|e| e.to_string())
        })
        .and_then(|pdf| crate::desk::widgets::save_report(ledger, "disposals.pdf", &pdf));
    crate::desk::widgets::outcome_of(saved)
}
