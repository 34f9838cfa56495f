//! The command line, as clap sees it. Names and flags here are part of the product.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::output::{Format, ReportFormat};

#[derive(Debug, Parser)]
#[command(
    name = "custody",
    version,
    about = "Who holds which laptop, Chromebook or paper file, since when, and until when.",
    after_help = "WHEN is YYYY-MM-DD, YYYY-MM-DD HH:MM (local time), RFC 3339, now, today or tomorrow.\n\
                  Exit codes: 0 done; 1 refused or bad input (nothing written); 2 usage; 3 refused by a policy rule."
)]
pub struct Cli {
    /// The database file [default: custody.db in your data folder]
    #[arg(long, global = true, env = "CUSTODY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Who is recording (every event names its operator) [default: your login name]
    #[arg(long, global = true, env = "CUSTODY_OPERATOR", value_name = "NAME")]
    pub operator: Option<String>,
    /// With no command, the desk app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub desk: DeskArgs,
}

/// Options for the desk app (`custody` with no command).
#[derive(Debug, Args)]
pub struct DeskArgs {
    /// Scan image files from this folder instead of the camera (files added later are scanned too)
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
    /// Which camera to use [default: the first]
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub camera: u32,
    /// Do not start the camera (scan with a USB scanner or type)
    #[arg(long)]
    pub no_camera: bool,
    /// Render the desk app to a PNG file and exit, with no window
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// With --screenshot: desk, items, people or out-now
    #[arg(long, value_name = "NAME", requires = "screenshot", default_value = "desk")]
    pub screen: String,
    /// With --screenshot: act on these scans first (a payload such as CU1:I:LT-0001, or a tag)
    #[arg(long, value_name = "TEXT", requires = "screenshot")]
    pub scan: Vec<String>,
    /// With --screenshot --screen exposure: whose exposure (a person or container id)
    #[arg(long, value_name = "ID", requires = "exposure_at")]
    pub exposure_of: Option<String>,
    /// With --screenshot --screen exposure: the moment
    #[arg(long, value_name = "WHEN", requires = "exposure_of")]
    pub exposure_at: Option<String>,
    /// With --screenshot: width and height in points
    #[arg(long, value_name = "WxH", requires = "screenshot", default_value = "1280x800")]
    pub size: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty database (never touches an existing file)
    Init {
        /// The organisation's name, printed on labels and reports
        #[arg(long)]
        org: Option<String>,
    },
    /// Create a new database filled with realistic demo data
    Demo {
        #[arg(long, default_value_t = 400)]
        items: u32,
        #[arg(long, default_value_t = 120)]
        people: u32,
        /// Days of history, ending now
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Same seed, same data
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Items: add, list, show
    #[command(subcommand)]
    Item(ItemCommand),
    /// People who hold items: add, list, show, deactivate, activate
    #[command(subcommand)]
    Person(PersonCommand),
    /// Bags, cases and cars that items travel in
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Sign items out to a person (one hand-over)
    Out {
        #[arg(required = true, value_name = "TAG")]
        tags: Vec<String>,
        /// Who takes them (person id)
        #[arg(long, value_name = "PERSON")]
        to: String,
        /// When they are due back [default: a week for devices, next working day 17:00 for paper]
        #[arg(long, value_name = "WHEN")]
        due: Option<String>,
        /// When they left, if earlier than now
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
        #[arg(long)]
        purpose: Option<String>,
        /// Why (needed for paper files)
        #[arg(long)]
        reason: Option<String>,
        /// The manager who authorised it (person id)
        #[arg(long, value_name = "PERSON")]
        authorised_by: Option<String>,
        /// The bag, case or car they travel in (container id)
        #[arg(long, value_name = "ID")]
        container: Option<String>,
        /// Go ahead despite policy warnings (they are recorded on the sign-out)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Which policy rules block and which warn
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Add items or people from a CSV file (all rows, or none)
    Import {
        /// items | people
        #[arg(value_enum)]
        what: Register,
        file: PathBuf,
        /// Check the file and say what would be added, without adding anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Write items, people or the whole ledger to a CSV file
    Export {
        #[arg(value_enum)]
        what: ExportWhat,
        file: PathBuf,
    },
    /// Sign items back in
    In {
        #[arg(required = true, value_name = "TAG")]
        tags: Vec<String>,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Hand an item that is out to someone else (the due date stays)
    Transfer {
        tag: String,
        #[arg(long, value_name = "PERSON")]
        to: String,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Record that an item was lost
    Lost {
        tag: String,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Record that an item was stolen
    Stolen {
        tag: String,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Record that a lost or stolen item was found
    Found {
        tag: String,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Retire an item for good (it can never leave again)
    Retire {
        tag: String,
        #[command(flatten)]
        when: WhenNote,
    },
    /// Void an event recorded by mistake (it stays in the ledger, marked corrected)
    Correct {
        /// The event's id, from `item show` or `history`
        event: String,
        #[arg(long)]
        reason: String,
    },
    /// What is out now: tag, kind, holder, out since, due
    Status {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The events about an item or a person, optionally in a time window
    History {
        #[arg(
            long,
            value_name = "TAG",
            required_unless_present = "person",
            conflicts_with = "person"
        )]
        item: Option<String>,
        #[arg(long, value_name = "ID")]
        person: Option<String>,
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Check the file and the ledger's hash chain; exit 0 only when intact
    Verify,
    /// Reports: the weekly overdue report
    #[command(subcommand)]
    Report(ReportCommand),
    /// Losses, thefts and disclosures (rule R9): open one, follow its timeline
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// What a holder (or a bag, case or car) had at a moment or during a window, and its data
    #[command(group(clap::ArgGroup::new("whose").required(true).args(["holder", "container"])))]
    #[command(group(clap::ArgGroup::new("when").required(true).args(["at", "from"])))]
    Exposure {
        #[arg(long, value_name = "ID")]
        holder: Option<String>,
        #[arg(long, value_name = "ID")]
        container: Option<String>,
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
        #[arg(long, value_name = "WHEN", requires = "to")]
        from: Option<String>,
        #[arg(long, value_name = "WHEN", requires = "from")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write to this file (needed for pdf)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a consistent copy of the database (safe while the desk is in use)
    Backup {
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Replace the database with a backup, after checking it; the current file is kept aside
    Restore {
        backup: PathBuf,
        /// Allow a backup of a different database
        #[arg(long)]
        force: bool,
    },
    /// Print QR labels as a PDF for items or people (labels carry no names)
    #[command(group(clap::ArgGroup::new("which").required(true).args(["tags", "all_items", "all_people", "all_containers"])))]
    Labels {
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
    },
    /// Read the QR codes in image files: one line per image, path, a tab, then the text or the error
    Scan {
        /// Print any QR text, not only Custody codes
        #[arg(long)]
        raw: bool,
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct WhenNote {
    /// When it happened, if earlier than now
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ItemCommand {
    /// Register an item
    Add {
        tag: String,
        /// laptop | chromebook | tablet | phone | paper-file | removable-media | other
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        serial: Option<String>,
        /// The device's storage is encrypted
        #[arg(long)]
        encrypted: bool,
        /// How many people's data it carries
        #[arg(long, default_value_t = 0, value_name = "N")]
        data_subjects: u32,
        /// Kinds of personal data, e.g. contact,health,sen
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        categories: Vec<String>,
        /// Carries special category data (health, SEN, ethnicity...)
        #[arg(long)]
        special_category: bool,
        /// Carries safeguarding information (e.g. a looked-after child)
        #[arg(long)]
        safeguarding: bool,
        #[arg(long)]
        confidential: bool,
        /// Holds anonymised data whose anonymisation technique is not approved (counts for R5)
        #[arg(long)]
        anonymised_unapproved: bool,
    },
    /// Every item with where it is now
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One item, with its whole chain of custody
    Show {
        tag: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One item's chain of custody for evidence, with each event's id and hash (PDF or CSV)
    Chain {
        tag: String,
        /// pdf or csv [default: from the file's extension]
        #[arg(long, value_enum)]
        format: Option<EvidenceFormat>,
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
    },
}

/// How evidence is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvidenceFormat {
    Pdf,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Register a person who can hold items
    Add {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Everyone, with how many items each holds
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One person: what they hold now and their history
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Record home-working agreement, risk assessment and training dates (YYYY-MM-DD)
    Set {
        id: String,
        #[arg(long, value_name = "DATE")]
        agreement_signed: Option<NaiveDate>,
        #[arg(long, value_name = "DATE")]
        agreement_review: Option<NaiveDate>,
        #[arg(long, value_name = "DATE")]
        assessment_done: Option<NaiveDate>,
        #[arg(long, value_name = "DATE")]
        assessment_review: Option<NaiveDate>,
        /// The risk assessment's reference
        #[arg(long, value_name = "REF")]
        assessment_ref: Option<String>,
        /// Information-governance training completed on
        #[arg(long, value_name = "DATE")]
        training: Option<NaiveDate>,
        /// Remove parts of the record entered by mistake, e.g. --clear assessment-done,assessment-review
        #[arg(long, value_enum, value_delimiter = ',', value_name = "FIELD,...")]
        clear: Vec<RegisterField>,
    },
    /// They have left: they can no longer hold items (rule R8)
    Deactivate { id: String },
    /// They may hold items again
    Activate { id: String },
}

/// A part of a person's home-working record, for `person set --clear`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RegisterField {
    AgreementSigned,
    AgreementReview,
    AssessmentDone,
    AssessmentReview,
    AssessmentRef,
    Training,
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Register a bag, case or car
    Add {
        id: String,
        /// bag | case | car | other
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
    },
    /// Every container
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Each rule, what it says, and whether it blocks or warns
    Show,
    /// Make a rule (R1–R7) block or warn
    Set {
        rule: String,
        /// block | warn
        mode: String,
    },
    /// How many daily backups to keep (default 30)
    KeepBackups { count: u32 },
    /// When overdue items reach the first, second and third notice, in days late (default 1 7 14)
    Stages { first: i64, second: i64, third: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Register {
    Items,
    People,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportWhat {
    Items,
    People,
    Events,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Everything out past its due date, by holder, with stage and sensitivity; and what is due soon
    Overdue {
        /// The moment to report as of [default: now]
        #[arg(long, value_name = "WHEN")]
        as_of: Option<String>,
        /// pdf: a summary page, then one reminder slip per holder to hand over
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write to this file instead of the screen (for a scheduled job)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open an incident from the exposure at the moment it happened; what was still held is marked lost or stolen
    #[command(group(clap::ArgGroup::new("whose").required(true).args(["holder", "container"])))]
    New {
        /// loss | theft | disclosure
        #[arg(long)]
        kind: String,
        #[arg(long, value_name = "ID")]
        holder: Option<String>,
        #[arg(long, value_name = "ID")]
        container: Option<String>,
        /// When it happened
        #[arg(long, value_name = "WHEN")]
        at: String,
        /// When the organisation became aware (the ICO's 72 hours start) [default: now]
        #[arg(long, value_name = "WHEN")]
        discovered: Option<String>,
        #[arg(long)]
        description: String,
    },
    /// Every incident, the latest first, with its ICO clock
    List,
    /// One incident: the exposure, the timeline, the ICO clock
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The breach pack: the incident, its timeline, the exposure and each item's chain of custody
    #[command(group(clap::ArgGroup::new("pack").required(true).multiple(true).args(["pdf", "json"])))]
    Pack {
        id: String,
        /// Write the printable pack here
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Write the same as JSON here (keys documented in the README)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Add to the timeline: dpo-notified | safeguarding-alerted | police-reference | ico-reported | ico-not-reported | note
    Note {
        id: String,
        #[arg(long)]
        kind: String,
        /// When it happened [default: now]
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
        /// The reference, the reason, or what was said
        #[arg(long)]
        text: Option<String>,
    },
}
