//! When the desk cannot open its database — no file where it was told to look, or a file
//! Custody cannot read — the window opens anyway and says so there (a desk started from a
//! shortcut has no terminal anyone reads), offering to create the file or to open another.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use custody_db::{Clock, Ledger};

use super::widgets;

/// The screen shown instead of the desk until a database is open.
#[derive(Debug)]
pub struct Opener {
    /// The file asked for, or typed since.
    pub path: String,
    /// Why it could not be opened, in the program's words.
    pub problem: String,
    clock: Arc<dyn Clock>,
}

impl Opener {
    pub fn new(path: &Path, problem: String, clock: Arc<dyn Clock>) -> Opener {
        Opener {
            path: path.display().to_string(),
            problem,
            clock,
        }
    }

    /// Draws the screen; returns the database once one is open (created, or another file).
    pub fn show(&mut self, ui: &mut egui::Ui) -> Option<Ledger> {
        let mut opened = None;
        ui.add_space(ui.available_height() * 0.15);
        ui.vertical_centered(|ui| {
            ui.set_max_width(640.0);
            ui.heading("Custody");
            ui.add_space(12.0);
            ui.colored_label(widgets::red(ui), &self.problem);
            ui.add_space(12.0);
            let path = PathBuf::from(self.path.trim());
            let missing = !path.exists();
            ui.horizontal(|ui| {
                let label = ui.label("Database file:");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut self.path).desired_width(460.0))
                    .labelled_by(label.id);
                if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    opened = self.open(&path);
                }
            });
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!missing, egui::Button::new("Open this file"))
                    .on_disabled_hover_text("There is no file there.")
                    .clicked()
                {
                    opened = self.open(&path);
                }
                if ui
                    .add_enabled(missing, egui::Button::new("Create a new database here"))
                    .on_disabled_hover_text("A file is there already: open it, or give another name.")
                    .clicked()
                {
                    opened = self.create(&path);
                }
            });
            ui.add_space(8.0);
            ui.weak(
                "A new database starts empty: you name the organisation and its first administrator next. \
                 If this desk should use an existing database (another folder, a USB drive that was not \
                 plugged in), type its file above and open it instead.",
            );
        });
        opened
    }

    fn open(&mut self, path: &Path) -> Option<Ledger> {
        if !path.exists() {
            self.problem = format!("There is no database at {}.", path.display());
            return None;
        }
        Ledger::open(path, self.clock.clone())
            .map_err(|e| self.problem = format!("{} could not be opened: {e}", path.display()))
            .ok()
    }

    fn create(&mut self, path: &Path) -> Option<Ledger> {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty() && !f.exists()) {
            self.problem = format!(
                "The folder {} does not exist. Choose a folder that does, or create it first.",
                folder.display()
            );
            return None;
        }
        Ledger::create(path, None, self.clock.clone())
            .map_err(|e| self.problem = format!("{} could not be created: {e}", path.display()))
            .ok()
    }
}
