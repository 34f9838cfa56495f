//! `custody labels` (items and people to a PDF of QR labels) and `custody scan` (image files
//! to the codes in them).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use custody_db::{Ledger, Status};
use custody_labels::sheet::{Label, render_pdf, template};
use custody_labels::{GrayFrame, Payload, read_codes};

/// Whose labels to print.
#[derive(Debug)]
pub enum Which {
    Items(Vec<String>),
    AllItems,
    AllPeople,
    AllContainers,
}

/// What `custody labels` was asked for.
#[derive(Debug)]
pub struct Request {
    pub which: Which,
    pub template: String,
    pub skip: u32,
    pub output: PathBuf,
    /// Where to put a picture of the first label, if anywhere.
    pub preview: Option<PathBuf>,
}

pub fn print(ledger: &Ledger, req: Request, out: &mut dyn Write) -> Result<()> {
    let Request {
        which,
        template: template_name,
        skip,
        output,
        preview,
    } = req;
    let stock = template(&template_name)?;
    let item_label = |item: &custody_db::Item| Label {
        payload: Payload::item(&item.tag),
        kind: item.kind.as_str().replace('-', " "),
    };
    let labels: Vec<Label> = match which {
        Which::Items(tags) => tags
            .iter()
            .map(|tag| ledger.item(tag).map(|item| item_label(&item)))
            .collect::<Result<_, _>>()?,
        Which::AllItems => ledger
            .items()?
            .into_iter()
            .filter(|row| row.state.status != Status::Retired)
            .map(|row| item_label(&row.item))
            .collect(),
        Which::AllPeople => ledger
            .people()?
            .into_iter()
            .filter(|row| row.person.active)
            .map(|row| Label {
                payload: Payload::person(&row.person.id),
                kind: "person badge".to_string(),
            })
            .collect(),
        Which::AllContainers => ledger
            .containers()?
            .into_iter()
            .map(|c| Label {
                payload: Payload::container(&c.id),
                kind: c.kind.as_str().to_string(),
            })
            .collect(),
    };
    if labels.is_empty() {
        bail!("There is nothing to print: no matching items or people.");
    }
    let organisation = ledger.organisation()?.unwrap_or_default();
    let pdf = render_pdf(&labels, stock, skip, &organisation)?;
    std::fs::write(&output, pdf).with_context(|| format!("could not write {}", output.display()))?;
    let sheets = (skip as usize + labels.len()).div_ceil(stock.per_page() as usize);
    writeln!(
        out,
        "Wrote {} label(s) on {sheets} page(s) of {} to {}.",
        labels.len(),
        stock.description,
        output.display()
    )?;
    if let Some(path) = preview {
        let png = custody_labels::preview::label_png(&labels[0], 8)?;
        std::fs::write(&path, png).with_context(|| format!("could not write {}", path.display()))?;
        writeln!(out, "Wrote a picture of the first label to {}.", path.display())?;
    }
    writeln!(
        out,
        "Print at 100% (\"actual size\"), not \"fit to page\", so the labels line up."
    )?;
    Ok(())
}

/// Prints one line per image; `Ok(false)` when some image held no (Custody) code.
pub fn scan(images: &[PathBuf], raw: bool, out: &mut dyn Write) -> Result<bool> {
    let mut all_read = true;
    for path in images {
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
