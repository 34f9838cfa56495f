//! The live preview under the Desk: the latest frame, with each code found outlined (green
//! for a Custody label, red for anything else) for a moment after it is seen.

use std::time::{Duration, Instant};

use custody_labels::read::FoundCode;
use egui::{Color32, Pos2, Stroke, TextureOptions};

use super::widgets::{GREEN, RED};

/// How long an outline stays after the code was last seen.
const OUTLINE_FOR: Duration = Duration::from_millis(1500);

#[derive(Default)]
pub struct CameraView {
    pub status: String,
    texture: Option<egui::TextureHandle>,
    /// Outlines in 0..1 frame coordinates, with what they say.
    outlines: Vec<([Pos2; 4], bool, String)>,
    outlined_at: Option<Instant>,
}

impl std::fmt::Debug for CameraView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CameraView({:?})", self.status)
    }
}

impl CameraView {
    pub fn show_frame(&mut self, ctx: &egui::Context, image: egui::ColorImage) {
        match &mut self.texture {
            Some(t) => t.set(image, TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("camera", image, TextureOptions::LINEAR)),
        }
    }

    pub fn show_codes(&mut self, _ctx: &egui::Context, width: u32, height: u32, codes: &[FoundCode]) {
        if codes.is_empty() {
            return;
        }
        let (w, h) = (width.max(1) as f32, height.max(1) as f32);
        self.outlines = codes
            .iter()
            .map(|c| {
                let corners = c.outline.map(|(x, y)| Pos2::new(x / w, y / h));
                let label = match &c.payload {
                    Ok(p) => p.id.clone(),
                    Err(_) => "not a Custody label".to_string(),
                };
                (corners, c.payload.is_ok(), label)
            })
            .collect();
        self.outlined_at = Some(Instant::now());
    }

    pub fn has_outline(&self) -> bool {
        self.outlined_at.is_some_and(|t| t.elapsed() < OUTLINE_FOR)
    }

    /// Draws the preview at the given width (or a grey box saying why there is none).
    pub fn ui(&self, ui: &mut egui::Ui, width: f32) {
        let Some(texture) = &self.texture else {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(width, width * 9.0 / 16.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 6.0, Color32::from_gray(40));
            let text = if self.status.is_empty() {
                "No camera in use. Scan with a USB scanner, or type the tag."
            } else {
                &self.status
            };
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(14.0),
                Color32::from_gray(220),
            );
            return;
        };
        let size = texture.size_vec2();
        let shown = egui::vec2(width, width * size.y / size.x.max(1.0));
        let response = ui.add(egui::Image::new((texture.id(), shown)));
        if self.has_outline() {
            let rect = response.rect;
            let to_screen = |p: Pos2| rect.min + egui::vec2(p.x * rect.width(), p.y * rect.height());
            for (corners, ours, label) in &self.outlines {
                let colour = if *ours { GREEN } else { RED };
                let points: Vec<Pos2> = corners.iter().map(|&p| to_screen(p)).collect();
                ui.painter()
                    .add(egui::Shape::closed_line(points.clone(), Stroke::new(4.0, colour)));
                ui.painter().text(
                    points[0],
                    egui::Align2::LEFT_BOTTOM,
                    label,
                    egui::FontId::proportional(16.0),
                    colour,
                );
            }
        }
        ui.label(&self.status);
    }
}
