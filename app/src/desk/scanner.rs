//! Scanning by camera: frames come from a [`FrameSource`] (a webcam through nokhwa, or image
//! files from a folder for tests and `--frames`) on a capture thread, go to a decoder thread,
//! and come back to the UI as [`ScanMsg`]s. The UI thread never waits for either.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, TrySendError, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use custody_labels::read::{FoundCode, GrayFrame, read_codes};
use image::RgbImage;

/// Preview frames are shrunk to this width before they reach the UI.
const PREVIEW_WIDTH: u32 = 480;
/// How long a source that has failed (no camera, busy camera) waits before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(3);

/// Where frames come from. `next_frame` may block until a frame is ready.
pub trait FrameSource {
    /// What the desk calls it: "Camera 0: HD Webcam", "Folder scans/".
    fn describe(&self) -> String;
    /// The next frame; `Ok(None)` when there is none yet; `Err` with a message for people
    /// when the source cannot give frames (no camera, busy camera, unreadable folder).
    fn next_frame(&mut self) -> Result<Option<RgbImage>, String>;
}

/// What the scanning threads tell the UI.
#[derive(Debug)]
pub enum ScanMsg {
    /// A plain state to show under the preview, e.g. "No camera found".
    Status(String),
    /// A frame to show, already shrunk for the preview.
    Preview(egui::ColorImage),
    /// What the decoder found in one frame, with the frame's size for drawing outlines and
    /// when the frame was captured (for the latency measure).
    Codes {
        width: u32,
        height: u32,
        codes: Vec<FoundCode>,
        captured: Instant,
        /// How long the decoder took over this frame.
        decoding: Duration,
    },
}

/// The running capture and decoder threads. Dropping it stops them.
#[derive(Debug)]
pub struct Scanner {
    pub messages: Receiver<ScanMsg>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Scanner {
    /// Starts capturing from the source that `open` makes (on the capture thread, since some
    /// camera handles must stay on the thread that opened them). `wake` is called whenever a
    /// message is sent, so the UI can repaint.
    pub fn start(
        open: impl FnOnce() -> Box<dyn FrameSource> + Send + 'static,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> Scanner {
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(wake);
        let (to_ui, messages) = channel();
        let (to_decoder, frames) = sync_channel::<(RgbImage, Instant)>(1);
        let stop = Arc::new(AtomicBool::new(false));
        let capture = {
            let (stop, to_ui, wake) = (stop.clone(), to_ui.clone(), wake.clone());
            std::thread::Builder::new()
                .name("camera".into())
                .spawn(move || capture_loop(open(), &stop, &to_decoder, &to_ui, &*wake))
                .expect("the camera thread could not start")
        };
        let decoder = std::thread::Builder::new()
            .name("decoder".into())
            .spawn(move || {
                for (frame, captured) in frames {
                    let start = Instant::now();
                    let codes = read_codes(&gray(&frame));
                    let msg = ScanMsg::Codes {
                        width: frame.width(),
                        height: frame.height(),
                        codes,
                        captured,
                        decoding: start.elapsed(),
                    };
                    if to_ui.send(msg).is_err() {
                        return;
                    }
                    wake();
                }
            })
            .expect("the decoder thread could not start");
        Scanner {
            messages,
            stop,
            threads: vec![capture, decoder],
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The threads end at their next frame; a camera blocked in a read is not waited for.
        self.threads.clear();
    }
}

fn capture_loop(
    mut source: Box<dyn FrameSource>,
    stop: &AtomicBool,
    to_decoder: &SyncSender<(RgbImage, Instant)>,
    to_ui: &Sender<ScanMsg>,
    wake: &(dyn Fn() + Send + Sync),
) {
    let mut last_status = String::new();
    let mut status = |text: String| {
        if text != last_status {
            last_status.clone_from(&text);
            let _ = to_ui.send(ScanMsg::Status(text));
            wake();
        }
    };
    status(format!("Starting {}\u{2026}", source.describe()));
    while !stop.load(Ordering::Relaxed) {
        match source.next_frame() {
            Ok(Some(frame)) => {
                status(format!("{}: scanning", source.describe()));
                let captured = Instant::now();
                if to_ui.send(ScanMsg::Preview(preview(&frame))).is_err() {
                    return;
                }
                // While the decoder is busy the frame is only shown, not decoded: the
                // camera never waits for the decoder.
                match to_decoder.try_send((frame, captured)) {
                    Ok(()) | Err(TrySendError::Full(_)) => {}
                    Err(TrySendError::Disconnected(_)) => return,
                }
                wake();
            }
            Ok(None) => {
                status(format!("{}: waiting for a picture", source.describe()));
                std::thread::sleep(Duration::from_millis(30));
            }
            Err(message) => {
                status(message);
                sleep_unless_stopped(RETRY_AFTER, stop);
            }
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let start = Instant::now();
    while start.elapsed() < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn gray(frame: &RgbImage) -> GrayFrame {
    let pixels = frame
        .pixels()
        .map(|p| {
            let [r, g, b] = p.0;
            ((u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8) as u8
        })
        .collect();
    GrayFrame::new(frame.width(), frame.height(), pixels)
}

/// The frame shrunk (nearest pixel) to at most [`PREVIEW_WIDTH`] wide.
pub fn preview(frame: &RgbImage) -> egui::ColorImage {
    let step = frame.width().div_ceil(PREVIEW_WIDTH).max(1);
    let (w, h) = (frame.width() / step, frame.height() / step);
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&frame.get_pixel(x * step, y * step).0);
        }
    }
    egui::ColorImage::from_rgb([w as usize, h as usize], &rgb)
}

/// Acts on a code only when it comes into view: a code seen again within `quiet` of its
/// last sighting is the same scan (a laptop held in front of the camera is not signed out,
/// in, and out again). Times come from the desk's clock, so tests choose them.
#[derive(Debug)]
pub struct ScanGate {
    quiet: chrono::Duration,
    last_seen: HashMap<String, DateTime<Utc>>,
}

impl ScanGate {
    pub fn new(quiet: chrono::Duration) -> ScanGate {
        ScanGate {
            quiet,
            last_seen: HashMap::new(),
        }
    }

    /// Whether a sighting of `text` at `at` is a new scan.
    pub fn admit(&mut self, text: &str, at: DateTime<Utc>) -> bool {
        let fresh = self.last_seen.get(text).is_none_or(|&seen| at - seen >= self.quiet);
        self.last_seen.insert(text.to_string(), at);
        let forget = self.quiet * 4;
        self.last_seen.retain(|_, &mut seen| at - seen < forget);
        fresh
    }
}

/// Image files in a folder, each given once as a frame in name order, then any new file
/// that appears (so a label image dropped into the folder is scanned). Between two files
/// there is a pause with no frame, as when a label is taken away from the camera.
#[derive(Debug)]
pub struct FolderFrames {
    folder: PathBuf,
    done: Vec<PathBuf>,
    gap: Duration,
    next_at: Instant,
}

impl FolderFrames {
    pub fn new(folder: &Path, gap: Duration) -> FolderFrames {
        FolderFrames {
            folder: folder.to_path_buf(),
            done: Vec::new(),
            gap,
            next_at: Instant::now(),
        }
    }
}

impl FrameSource for FolderFrames {
    fn describe(&self) -> String {
        format!("Folder {}", self.folder.display())
    }

    fn next_frame(&mut self) -> Result<Option<RgbImage>, String> {
        if Instant::now() < self.next_at {
            return Ok(None);
        }
        let entries = std::fs::read_dir(&self.folder)
            .map_err(|e| format!("Cannot read the frames folder {}: {e}", self.folder.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image(p) && !self.done.contains(p))
            .collect();
        files.sort();
        let Some(next) = files.into_iter().next() else {
            self.next_at = Instant::now() + Duration::from_millis(300);
            return Ok(None);
        };
        self.done.push(next.clone());
        self.next_at = Instant::now() + self.gap;
        match image::open(&next) {
            Ok(img) => Ok(Some(img.into_rgb8())),
            // A file still being copied in, or not a picture: skip it and say so.
            Err(e) => Err(format!("Skipped {}: {e}", next.display())),
        }
    }
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg", "webp"].contains(&e.to_ascii_lowercase().as_str()))
}

/// A webcam, through nokhwa. It is opened on first use, on the capture thread, and opened
/// again after it fails (unplugged, or busy in another program).
pub struct CameraFrames {
    index: u32,
    camera: Option<nokhwa::Camera>,
}

impl std::fmt::Debug for CameraFrames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CameraFrames({})", self.index)
    }
}

impl CameraFrames {
    pub fn new(index: u32) -> CameraFrames {
        CameraFrames { index, camera: None }
    }

    fn open(&self) -> Result<nokhwa::Camera, String> {
        use nokhwa::pixel_format::RgbFormat;
        use nokhwa::utils::{CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution};
        let found = cameras();
        if found.is_empty() {
            return Err("No camera found. Scan with a USB scanner, or type the tag.".to_string());
        }
        if !found.iter().any(|(i, _)| *i == self.index) {
            return Err(format!(
                "Camera {} is not connected. Choose another camera on the Desk (Find cameras).",
                self.index
            ));
        }
        // 1280×720 (or the nearest the camera offers): a label at arm's length needs the
        // pixels, and a larger frame only costs decoding time.
        let wanted = CameraFormat::new(Resolution::new(1280, 720), FrameFormat::MJPEG, 30);
        let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
        let mut camera = nokhwa::Camera::new(CameraIndex::Index(self.index), format)
            .map_err(|e| format!("Camera {} cannot be opened ({e}). Choose another camera.", self.index))?;
        camera.open_stream().map_err(|e| {
            format!(
                "Camera {} is busy or refused (another program may be using it): {e}",
                self.index
            )
        })?;
        Ok(camera)
    }
}

impl FrameSource for CameraFrames {
    fn describe(&self) -> String {
        format!("Camera {}", self.index)
    }

    fn next_frame(&mut self) -> Result<Option<RgbImage>, String> {
        use nokhwa::pixel_format::RgbFormat;
        if self.camera.is_none() {
            self.camera = Some(self.open()?);
        }
        let Some(camera) = self.camera.as_mut() else {
            return Ok(None);
        };
        let frame = camera
            .frame()
            .and_then(|buffer| buffer.decode_image::<RgbFormat>())
            .map_err(|e| {
                self.camera = None;
                format!("Camera {} stopped giving pictures ({e}); trying again.", self.index)
            })?;
        Ok(Some(frame))
    }
}

/// The cameras this computer has, as (index, name). Empty when there are none.
pub fn cameras() -> Vec<(u32, String)> {
    nokhwa::query(nokhwa::utils::ApiBackend::Auto)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|info| match info.index() {
            nokhwa::utils::CameraIndex::Index(i) => Some((*i, info.human_name())),
            nokhwa::utils::CameraIndex::String(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_held_in_view_is_one_scan() {
        let mut gate = ScanGate::new(chrono::Duration::seconds(2));
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let at = |ms: i64| t0 + chrono::Duration::milliseconds(ms);
        assert!(gate.admit("CU1:I:LT-1", t0));
        // Seen on every frame for five seconds: still the same scan.
        for tenth in 1..50 {
            assert!(!gate.admit("CU1:I:LT-1", at(tenth * 100)));
        }
        // Taken away for three seconds and shown again: a new scan.
        assert!(gate.admit("CU1:I:LT-1", at(8000)));
        // Another code is its own scan.
        assert!(gate.admit("CU1:P:S001", at(8000)));
    }

    #[test]
    fn a_missing_camera_is_a_plain_message() {
        // The real nokhwa query runs. With no camera at all (CI machines), the first is asked
        // for; with some, one past the last: either way there is none to open.
        let found = cameras();
        let index = found.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        let err = CameraFrames::new(index).next_frame().unwrap_err();
        let expected = if found.is_empty() {
            "No camera found"
        } else {
            "is not connected"
        };
        assert!(err.contains(expected), "{err}");
    }
}
