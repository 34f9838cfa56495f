//! The live preview under the Desk: the latest frame, with each code found outlined (green
//! for a Custody label, red for anything else) for a moment after it is seen, and (when asked)
//! frames a second and the time to read a frame, for support calls ("the camera is slow").

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use custody_labels::read::FoundCode;
use egui::{Color32, Pos2, Stroke, TextureOptions};

use super::widgets;

/// How long an outline stays after the code was last seen.
const OUTLINE_FOR: Duration = Duration::from_millis(1500);

#[derive(Default)]
pub struct CameraView {
    pub status: String,
    texture: Option<egui::TextureHandle>,
    /// Outlines in 0..1 frame coordinates, with what they say.
    outlines: Vec<([Pos2; 4], bool, String)>,
    outlined_at: Option<Instant>,
    /// Whether the speed is shown on the preview.
    pub show_speed: bool,
    /// When the frames of the last second arrived.
    frames_at: VecDeque<Instant>,
    /// How long the decoder took over the last frame it read.
    last_decoding: Option<Duration>,
}

impl std::fmt::Debug for CameraView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CameraView({:?})", self.status)
    }
}

impl CameraView {
    /// Notes how long the decoder took over a frame.
    pub fn decoded_in(&mut self, decoding: Duration) {
        self.last_decoding = Some(decoding);
    }

    /// "12 fps · reading a frame 9 ms", when the speed is to be shown.
    pub fn speed_text(&self) -> Option<String> {
        if !self.show_speed {
            return None;
        }
        let fps = self
            .frames_at
            .iter()
            .filter(|t| t.elapsed() < Duration::from_secs(1))
            .count();
        Some(match self.last_decoding {
            Some(d) => format!("{fps} fps · reading a frame {} ms", d.as_millis()),
            None => format!("{fps} fps"),
        })
    }

    pub fn show_frame(&mut self, ctx: &egui::Context, image: egui::ColorImage) {
        let now = Instant::now();
        self.frames_at.push_back(now);
        while self
            .frames_at
            .front()
            .is_some_and(|t| now - *t > Duration::from_secs(1))
        {
            self.frames_at.pop_front();
        }
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
            // Wrapped to the box and kept inside it: at the largest text size one line would
            // run out of both sides.
            let painter = ui.painter_at(rect);
            let mut job = egui::text::LayoutJob::simple(
                text.to_string(),
                egui::FontId::proportional(14.0),
                Color32::from_gray(220),
                (rect.width() - 12.0).max(40.0),
            );
            job.halign = egui::Align::Center; // each line centred on the box's middle
            let galley = painter.layout_job(job);
            let at = egui::pos2(rect.center().x, rect.center().y - galley.size().y / 2.0);
            painter.galley(at, galley, Color32::from_gray(220));
            return;
        };
        let size = texture.size_vec2();
        let shown = egui::vec2(width, width * size.y / size.x.max(1.0));
        let response = ui.add(egui::Image::new((texture.id(), shown)));
        if let Some(speed) = self.speed_text() {
            let at = response.rect.min + egui::vec2(8.0, 8.0);
            let font = egui::FontId::monospace(13.0);
            let galley = ui.painter().layout_no_wrap(speed, font, Color32::WHITE);
            let backdrop = egui::Rect::from_min_size(at, galley.size()).expand(4.0);
            ui.painter().rect_filled(backdrop, 4.0, Color32::from_black_alpha(160));
            ui.painter().galley(at, galley, Color32::WHITE);
        }
        if self.has_outline() {
            let rect = response.rect;
            let to_screen = |p: Pos2| rect.min + egui::vec2(p.x * rect.width(), p.y * rect.height());
            for (corners, ours, label) in &self.outlines {
                let colour = if *ours { widgets::green(ui) } else { widgets::red(ui) };
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
