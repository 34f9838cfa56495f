//! Prints the reader's counts on the photo corpus per folder and rotation, with time per image.
//! Usage: decode_bench [CORPUS_DIR]   (default: the folder CUSTODY_QR_CORPUS names)

use custody_labels::corpus::score_folder;

fn main() {
    let Some(dir) = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("CUSTODY_QR_CORPUS").ok())
    else {
        eprintln!("decode_bench: give the corpus folder, or set CUSTODY_QR_CORPUS");
        std::process::exit(2);
    };
    println!(
        "{:<10} {:>4} {:>4} {:>4} {:>4}   of   ms/image",
        "folder", "0°", "90°", "180°", "270°"
    );
    for folder in ["qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4"] {
        let scores = score_folder(&std::path::Path::new(&dir).join(folder));
        let per_image = scores.iter().map(|s| s.decoding.as_secs_f64()).sum::<f64>() * 1000.0
            / scores.iter().map(|s| s.images).sum::<usize>().max(1) as f64;
        let counts: Vec<String> = scores.iter().map(|s| format!("{:>4}", s.read)).collect();
        println!(
            "{folder:<10} {}   {:>3}   {per_image:.1}",
            counts.join(" "),
            scores[0].images
        );
    }
}
