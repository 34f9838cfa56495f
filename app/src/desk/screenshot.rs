//! `custody --screenshot FILE`: renders the app to a PNG with no window, no display and no
//! GPU. egui lays the screen out and tessellates it into textured triangles; this module
//! fills those triangles on the CPU (premultiplied alpha, as egui's own renderers blend).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use egui::epaint::{ClippedPrimitive, Primitive, Vertex};
use egui::{Color32, ColorImage, TextureId};
use image::RgbaImage;

use super::DeskApp;

/// The most time a screenshot waits for background reads to finish.
const SETTLE_FOR: Duration = Duration::from_secs(30);

/// Runs the app headless at `size` (points) and returns the last frame as an image, in the
/// app's appearance if one was set (else as its desk remembers).
pub fn capture(app: &mut DeskApp, size: egui::Vec2, pixels_per_point: f32) -> RgbaImage {
    let ctx = egui::Context::default();
    if let Some(appearance) = app.appearance {
        appearance.apply(&ctx);
    }
    let mut textures: HashMap<TextureId, ColorImage> = HashMap::new();
    let input = |time: f64| egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size)),
        time: Some(time),
        viewports: std::iter::once((
            egui::ViewportId::ROOT,
            egui::ViewportInfo {
                native_pixels_per_point: Some(pixels_per_point),
                ..Default::default()
            },
        ))
        .collect(),
        ..Default::default()
    };
    let started = Instant::now();
    let mut frame = 0;
    let mut idle_frames = 0;
    let output = loop {
        let mut output = ctx.run_ui(input(f64::from(frame) / 60.0), |ui| app.show(ui));
        apply_textures(&mut textures, &mut output.textures_delta);
        frame += 1;
        // A few frames let egui settle its layout; then wait for the lists being read, and draw
        // twice more once they are (a list filtered in one frame is counted in the next).
        idle_frames = if app.is_busy() { 0 } else { idle_frames + 1 };
        let settled = frame >= 4 && idle_frames >= 3;
        if settled || started.elapsed() > SETTLE_FOR {
            break output;
        }
        if frame >= 4 {
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    let width = (size.x * output.pixels_per_point).round() as u32;
    let height = (size.y * output.pixels_per_point).round() as u32;
    rasterise(&primitives, &textures, width, height, output.pixels_per_point)
}

/// Applies (and empties) one frame's texture changes.
fn apply_textures(textures: &mut HashMap<TextureId, ColorImage>, delta: &mut egui::TexturesDelta) {
    for (id, changes) in &delta.set {
        for change in changes {
            let egui::ImageData::Color(image) = &change.image;
            match change.pos {
                None => {
                    textures.insert(*id, (**image).clone());
                }
                Some([x0, y0]) => {
                    if let Some(target) = textures.get_mut(id) {
                        for y in 0..image.size[1] {
                            for x in 0..image.size[0] {
                                target[(x0 + x, y0 + y)] = image[(x, y)];
                            }
                        }
                    }
                }
            }
        }
    }
    for id in &delta.free {
        textures.remove(id);
    }
    delta.clear();
}

/// Fills every mesh into a `width × height` image.
pub fn rasterise(
    primitives: &[ClippedPrimitive],
    textures: &HashMap<TextureId, ColorImage>,
    width: u32,
    height: u32,
    pixels_per_point: f32,
) -> RgbaImage {
    // Premultiplied RGBA, as f32 for blending.
    let mut target = vec![[0.0f32; 4]; (width * height) as usize];
    for clipped in primitives {
        let Primitive::Mesh(mesh) = &clipped.primitive else {
            continue; // paint callbacks are not used by this app
        };
        let texture = textures.get(&mesh.texture_id);
        let clip = clipped.clip_rect * pixels_per_point;
        let clip = [
            clip.min.x.max(0.0) as i32,
            clip.min.y.max(0.0) as i32,
            (clip.max.x.ceil() as i32).min(width as i32),
            (clip.max.y.ceil() as i32).min(height as i32),
        ];
        for tri in mesh.indices.chunks_exact(3) {
            let v = [tri[0], tri[1], tri[2]].map(|i| mesh.vertices[i as usize]);
            fill_triangle(&mut target, width, clip, &v, pixels_per_point, texture);
        }
    }
    let mut out = RgbaImage::new(width, height);
    for (pixel, src) in out.pixels_mut().zip(&target) {
        // Shown over an opaque window background: drop the alpha.
        *pixel = image::Rgba([src[0], src[1], src[2], 255.0].map(|c| c.round().clamp(0.0, 255.0) as u8));
    }
    out
}

fn fill_triangle(
    target: &mut [[f32; 4]],
    width: u32,
    clip: [i32; 4],
    v: &[Vertex; 3],
    ppp: f32,
    texture: Option<&ColorImage>,
) {
    let p = v.map(|v| (v.pos.x * ppp, v.pos.y * ppp));
    let area = edge(p[0], p[1], p[2]);
    if area.abs() < 1e-6 {
        return;
    }
    let min_x = (p.iter().map(|q| q.0).fold(f32::MAX, f32::min).floor() as i32).max(clip[0]);
    let max_x = (p.iter().map(|q| q.0).fold(f32::MIN, f32::max).ceil() as i32).min(clip[2]);
    let min_y = (p.iter().map(|q| q.1).fold(f32::MAX, f32::min).floor() as i32).max(clip[1]);
    let max_y = (p.iter().map(|q| q.1).fold(f32::MIN, f32::max).ceil() as i32).min(clip[3]);
    let colours = v.map(|v| rgba(v.color));
    for y in min_y..max_y {
        for x in min_x..max_x {
            let c = (x as f32 + 0.5, y as f32 + 0.5);
            let w = [
                edge(p[1], p[2], c) / area,
                edge(p[2], p[0], c) / area,
                edge(p[0], p[1], c) / area,
            ];
            if w.iter().any(|&w| w < -1e-4) {
                continue;
            }
            let mut src = [0.0f32; 4];
            for (k, s) in src.iter_mut().enumerate() {
                *s = w[0] * colours[0][k] + w[1] * colours[1][k] + w[2] * colours[2][k];
            }
            if let Some(tex) = texture {
                let u = w[0] * v[0].uv.x + w[1] * v[1].uv.x + w[2] * v[2].uv.x;
                let t = w[0] * v[0].uv.y + w[1] * v[1].uv.y + w[2] * v[2].uv.y;
                let texel = rgba(sample(tex, u, t));
                for k in 0..4 {
                    src[k] *= texel[k] / 255.0;
                }
            }
            let dst = &mut target[(y as u32 * width + x as u32) as usize];
            let keep = 1.0 - src[3] / 255.0;
            for k in 0..4 {
                dst[k] = src[k] + dst[k] * keep;
            }
        }
    }
}

fn edge(a: (f32, f32), b: (f32, f32), c: (f32, f32)) -> f32 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

fn rgba(c: Color32) -> [f32; 4] {
    c.to_array().map(f32::from)
}

/// The texel nearest to (u, v) in 0..1 texture coordinates.
fn sample(tex: &ColorImage, u: f32, v: f32) -> Color32 {
    let [w, h] = tex.size;
    let x = ((u * w as f32) as usize).min(w.saturating_sub(1));
    let y = ((v * h as f32) as usize).min(h.saturating_sub(1));
    tex[(x, y)]
}
