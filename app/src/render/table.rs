//! Tables for the terminal, CSV for spreadsheets, JSON for scripts: one [`Table`], three views.

use std::io::Write;

use anyhow::Result;
use chrono_tz::Tz;
use custody_db::import::neutralise_formula;
use custody_db::time::{format_local, format_local_iso, from_millis};
use serde_json::{Map, Value};

use super::Format;

/// One value in a table.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Int(i64),
    Bool(bool),
    /// Stored UTC milliseconds: local time in tables (31/12/2026 14:30) and CSV (2026-12-31
    /// 14:30, ISO 8601's order for the machines that read it), RFC 3339 UTC in JSON.
    Time(Option<i64>),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        Cell::Text(s.unwrap_or_default())
    }
}

/// Rows under named columns.
#[derive(Debug)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub tz: Tz,
}

impl Table {
    pub fn new(tz: Tz, columns: &[&'static str]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
            tz,
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    fn text(&self, cell: &Cell) -> String {
        cell.text(self.tz)
    }

    /// Rows as JSON objects keyed by column name (`out since` becomes `out_since`).
    pub fn json_rows(&self) -> Value {
        let rows = self.rows.iter().map(|row| {
            let mut object = Map::new();
            for (column, cell) in self.columns.iter().zip(row) {
                let value = match cell {
                    Cell::Text(s) => Value::from(s.as_str()),
                    Cell::Int(n) => Value::from(*n),
                    Cell::Bool(b) => Value::from(*b),
                    Cell::Time(t) => t.map_or(Value::Null, |t| Value::from(from_millis(t).to_rfc3339())),
                };
                object.insert(column.replace(' ', "_"), value);
            }
            Value::Object(object)
        });
        Value::Array(rows.collect())
    }

    pub fn print(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        match format {
            Format::Table => self.print_aligned(out),
            Format::Csv => self.print_csv(out),
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.json_rows())?;
                writeln!(out)?;
                Ok(())
            }
        }
    }

    fn print_aligned(&self, out: &mut dyn Write) -> Result<()> {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|c| self.text(c)).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
            let mut text = String::new();
            for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if i + 1 == row.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  "));
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        let header: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
        line(out, &header)?;
        for row in &cells {
            line(out, row)?;
        }
        Ok(())
    }

    fn print_csv(&self, out: &mut dyn Write) -> Result<()> {
        let mut w = CsvRows::new(out, self.tz, &self.columns)?;
        for row in &self.rows {
            w.write(row)?;
        }
        w.finish()
    }
}

impl Cell {
    /// The cell as text for people: times in local time as UK offices write them, booleans as
    /// yes/no.
    fn text(&self, tz: Tz) -> String {
        match self {
            Cell::Time(t) => t.map(|t| format_local(from_millis(t), tz)).unwrap_or_default(),
            _ => self.csv_text(tz),
        }
    }

    /// The cell as CSV has it: as [`Cell::text`], but times in ISO 8601's order.
    fn csv_text(&self, tz: Tz) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => super::yes_no(*b).to_string(),
            Cell::Time(t) => t.map(|t| format_local_iso(from_millis(t), tz)).unwrap_or_default(),
        }
    }
}

/// CSV written row by row, for tables too long to hold (the whole ledger), with formulas
/// neutralised.
#[allow(missing_debug_implementations)] // csv::Writer is not Debug
pub struct CsvRows<W: Write> {
    writer: csv::Writer<W>,
    tz: Tz,
}

impl<W: Write> CsvRows<W> {
    pub fn new(out: W, tz: Tz, columns: &[&str]) -> Result<CsvRows<W>> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(columns)?;
        Ok(CsvRows { writer, tz })
    }

    pub fn write(&mut self, row: &[Cell]) -> Result<()> {
        self.writer
            .write_record(row.iter().map(|c| neutralise_formula(&c.csv_text(self.tz))))?;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// `key: value` lines, keys aligned.
pub fn print_fields(out: &mut dyn Write, fields: &[(&str, String)]) -> Result<()> {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (key, value) in fields {
        writeln!(out, "{:<width$} {value}", format!("{key}:"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_views_of_one_table() {
        let mut t = Table::new(custody_db::time::DEFAULT_TIMEZONE, &["tag", "out since", "late"]);
        t.push(vec!["-1+1".into(), Cell::Time(Some(0)), Cell::Bool(true)]);
        let mut csv = Vec::new();
        t.print(Format::Csv, &mut csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "tag,out since,late\n'-1+1,1970-01-01 01:00,yes\n"
        );
        assert_eq!(t.json_rows()[0]["out_since"], "1970-01-01T00:00:00+00:00");
    }
}
