//! `custody labels` (items, people or containers to a PDF of QR labels) and `custody scan`
//! (image files to the codes in them).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use custody_db::{Ledger, Status};
use custody_labels::sheet::{Label, template};
use custody_labels::{GrayFrame, read_codes};

use crate::render::labels;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["tags", "all_items", "all_people", "all_containers"])))]
pub struct LabelsArgs {
    /// Item tags to print labels for
    #[arg(value_name = "TAG")]
    tags: Vec<String>,
    /// Every item that is not retired
    #[arg(long, conflicts_with = "tags")]
    all_items: bool,
    /// A badge for every active person
    #[arg(long, conflicts_with_all = ["tags", "all_items"])]
    all_people: bool,
    /// A label for every bag, case and car
    #[arg(long, conflicts_with_all = ["tags", "all_items", "all_people"])]
    all_containers: bool,
    /// L7160 | L7163 | L7651 | 5160 | roll-62 | dymo-99012
    #[arg(long)]
    template: String,
    /// Leave this many labels of the first sheet unused (a partly used sheet)
    #[arg(long, default_value_t = 0, value_name = "N")]
    skip: u32,
    #[arg(short = 'o', long, value_name = "FILE.pdf")]
    output: PathBuf,
    /// Also write a picture of the first label, to check it on screen
    #[arg(long, value_name = "FILE.png")]
    preview: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Print any QR text, not only Custody codes
    #[arg(long)]
    raw: bool,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

pub fn print(args: LabelsArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    ledger.allow(custody_db::Action::PrintLabels)?;
    let LabelsArgs {
        tags,
        all_items,
        all_people,
        all_containers,
        template: template_name,
        skip,
        output,
        preview,
    } = args;
    let stock = template(&template_name)?;
    let labels: Vec<Label> = if all_containers {
        ledger.containers()?.iter().map(labels::for_container).collect()
    } else if all_people {
        ledger
            .people()?
            .into_iter()
            .filter(|row| row.person.active)
            .map(|row| labels::for_person(&row.person.id))
            .collect()
    } else if all_items {
        ledger
            .items()?
            .into_iter()
            .filter(|row| row.state.status != Status::Retired)
            .map(|row| labels::for_item(&row.item))
            .collect()
    } else {
        tags.iter()
            .map(|tag| ledger.item(tag).map(|item| labels::for_item(&item)))
            .collect::<Result<_, _>>()?
    };
    if labels.is_empty() {
        bail!("There is nothing to print: no matching items or people.");
    }
    let pdf = labels::sheet(ledger, &labels, stock, skip)?;
    custody_db::durable::write_file(&output, &pdf).with_context(|| format!("could not write {}", output.display()))?;
    writeln!(
        out,
        "Wrote {} to {}.",
        labels::pages_text(labels.len(), stock, skip),
        output.display()
    )?;
    if let Some(path) = preview {
        let png = custody_labels::preview::label_png(&labels[0], 8)?;
        custody_db::durable::write_file(&path, &png).with_context(|| format!("could not write {}", path.display()))?;
        writeln!(out, "Wrote a picture of the first label to {}.", path.display())?;
    }
    writeln!(
        out,
        "Print at 100% (\"actual size\"), not \"fit to page\", so the labels line up."
    )?;
    Ok(())
}

/// Prints one line per image; `Ok(false)` when some image held no (Custody) code.
pub fn scan(args: ScanArgs, out: &mut dyn Write) -> Result<bool> {
    let raw = args.raw;
    let mut all_read = true;
    for path in &args.images {
        let (line, read) = match GrayFrame::load(path) {
            Err(e) => (format!("cannot read the image: {e}"), false),
            Ok(frame) => {
                let codes = read_codes(&frame);
                if codes.is_empty() {
                    ("no QR code found".to_string(), false)
                } else {
                    let read = raw || codes.iter().any(|c| c.payload.is_ok());
                    let texts: Vec<String> = codes
                        .into_iter()
                        .map(|c| match c.payload {
                            Ok(p) => p.to_string(),
                            Err(_) if raw => c.text.replace(['\t', '\n', '\r'], " "),
                            Err(e) => e.to_string(),
                        })
                        .collect();
                    (texts.join("\t"), read)
                }
            }
        };
        all_read &= read;
        writeln!(out, "{}\t{line}", path.display())?;
    }
    Ok(all_read)
}
