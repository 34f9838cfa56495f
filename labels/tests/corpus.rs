//! Pins the reader's counts on the real photographs in `shared/corpus/zxing-qrcode` so they never
//! slip: the counts zxing-cpp's own test suite requires of itself, at 0°, 90°, 180° and 270°.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use custody_labels::corpus::score_folder;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/zxing-qrcode")
}

fn at_least(folder: &str, required: usize) {
    let dir = corpus().join(folder);
    assert!(dir.is_dir(), "the corpus is missing at {}", dir.display());
    for score in score_folder(&dir) {
        assert!(score.images > 0, "{folder}: no images found");
        assert!(
            score.read >= required,
            "{folder} at {}°: read {} of {}, need {required}",
            score.rotation,
            score.read,
            score.images
        );
    }
}

#[test]
fn qrcode_1_blurry_phone_photos_all_read() {
    at_least("qrcode-1", 8);
}

#[test]
fn qrcode_2_logos_colours_tiny_inverted_at_least_50() {
    at_least("qrcode-2", 50);
}

#[test]
fn qrcode_3_camera_crops_all_read() {
    at_least("qrcode-3", 18);
}

#[test]
fn qrcode_4_labels_on_crumpled_fabric_at_least_15() {
    at_least("qrcode-4", 15);
}
