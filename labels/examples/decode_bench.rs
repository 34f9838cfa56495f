//! Prints the reader's counts on the photo corpus per folder and rotation, with time per image;
//! given a Python with zxing-cpp (`scripts/bench` makes one), zxing-cpp's on the same pictures
//! beside them, and the ratio of the times.
//! Usage: decode_bench [CORPUS_DIR] [PYTHON]   (default: the folder CUSTODY_QR_CORPUS names)
//!        decode_bench --each FOLDER            (each picture: read or not at 0°, 90°, 180°, 270°)

use custody_labels::corpus::score_folder;

const FOLDERS: [&str; 4] = ["qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4"];

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--each") {
        let folder = args.nth(1).unwrap_or_default();
        for (name, read) in custody_labels::corpus::read_each(std::path::Path::new(&folder)) {
            let marks: Vec<&str> = read.iter().map(|r| if *r { "1" } else { "0" }).collect();
            println!("{name} {}", marks.join(" "));
        }
        return;
    }
    let Some(dir) = args.next().or_else(|| std::env::var("CUSTODY_QR_CORPUS").ok()) else {
        eprintln!("decode_bench: give the corpus folder, or set CUSTODY_QR_CORPUS");
        std::process::exit(2);
    };
    let peer = args.next().map(|python| zxing_cpp(&python, &dir));
    println!(
        "{:<10} {:>4} {:>4} {:>4} {:>4}   of   ms/image   zxing-cpp: {:>4} {:>4} {:>4} {:>4}   ms/image   ratio",
        "folder", "0°", "90°", "180°", "270°", "0°", "90°", "180°", "270°"
    );
    let (mut ours_ms, mut theirs_ms, mut images) = (0.0, 0.0, 0usize);
    for folder in FOLDERS {
        let scores = score_folder(&std::path::Path::new(&dir).join(folder));
        let count = scores.iter().map(|s| s.images).sum::<usize>().max(1);
        let ms = scores.iter().map(|s| s.decoding.as_secs_f64()).sum::<f64>() * 1000.0;
        let counts: Vec<String> = scores.iter().map(|s| format!("{:>4}", s.read)).collect();
        let theirs = peer.as_ref().and_then(|p| p.iter().find(|(name, _, _)| name == folder));
        let (their_counts, their_ms, ratio) = match theirs {
            Some((_, reads, per_image)) => {
                theirs_ms += per_image * count as f64;
                (
                    reads.iter().map(|r| format!("{r:>4}")).collect::<Vec<_>>().join(" "),
                    format!("{per_image:>8.1}"),
                    format!("{:>6.1}", ms / count as f64 / per_image),
                )
            }
            None => (
                "   -    -    -    -".to_string(),
                "       -".to_string(),
                "     -".to_string(),
            ),
        };
        (ours_ms, images) = (ours_ms + ms, images + count);
        println!(
            "{folder:<10} {}   {:>3}   {:>8.1}              {their_counts}   {their_ms}   {ratio}",
            counts.join(" "),
            scores[0].images,
            ms / count as f64
        );
    }
    if peer.is_some() && theirs_ms > 0.0 {
        println!(
            "\nthe corpus, ms a picture: ours {:.1}, zxing-cpp {:.1}, ratio {:.1}   budget ratio 2",
            ours_ms / images.max(1) as f64,
            theirs_ms / images.max(1) as f64,
            ours_ms / theirs_ms
        );
    }
}

/// zxing-cpp's counts and time a picture per folder, from `scripts/zxing_corpus.py`.
fn zxing_cpp(python: &str, dir: &str) -> Vec<(String, Vec<usize>, f64)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/zxing_corpus.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(dir)
        .args(FOLDERS)
        .output();
    let Ok(output) = output.map_err(|e| eprintln!("decode_bench: zxing-cpp could not run: {e}")) else {
        return Vec::new();
    };
    if !output.status.success() {
        eprintln!(
            "decode_bench: zxing-cpp failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [name, a, b, c, d, _, ms] = words.as_slice() else {
                return None;
            };
            let reads = [a, b, c, d]
                .iter()
                .map(|r| r.parse().ok())
                .collect::<Option<Vec<usize>>>()?;
            Some((name.to_string(), reads, ms.parse().ok()?))
        })
        .collect()
}
