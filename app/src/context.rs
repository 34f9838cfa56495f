//! What both front ends need before they start: which database, what time it is, and who is
//! recording. The command line and the desk open the database through one [`Context`]; the desk's
//! background readers clone it to open their own connections.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};
use custody_db::{Clock, FixedClock, Ledger, SystemClock};

/// `--db` and `--operator`, which every command and the desk take.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// The database file [default: custody.db in your data folder]
    #[arg(long, global = true, env = "CUSTODY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Who is recording (every event names its operator) [default: your login name]
    #[arg(long, global = true, env = "CUSTODY_OPERATOR", value_name = "NAME")]
    pub operator: Option<String>,
}

/// Which database, the clock, and the operator.
#[derive(Clone)]
pub struct Context {
    pub path: PathBuf,
    /// No `--db` was given: the database in the data folder, made on first use.
    pub is_default: bool,
    pub clock: Arc<dyn Clock>,
    pub operator: String,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Context({}, {})", self.path.display(), self.operator)
    }
}

impl Context {
    /// From the command line: `--db` (or `CUSTODY_DB`, else the data folder), the clock (or
    /// `CUSTODY_NOW`), and `--operator` (or the login name).
    pub fn from_args(args: &GlobalArgs) -> Result<Context> {
        let (path, is_default) = match &args.db {
            Some(p) => (p.clone(), false),
            None => (default_database_path()?, true),
        };
        Ok(Context {
            path,
            is_default,
            clock: clock()?,
            operator: args.operator.clone().unwrap_or_else(login_name),
        })
    }

    /// A context for an explicit file (tests, the desk's own readers).
    pub fn for_file(path: &Path, clock: Arc<dyn Clock>, operator: &str) -> Context {
        Context {
            path: path.to_path_buf(),
            is_default: false,
            clock,
            operator: operator.to_string(),
        }
    }

    /// Opens the existing database as this operator.
    pub fn open(&self) -> custody_db::Result<Ledger> {
        let mut ledger = Ledger::open(&self.path, self.clock.clone())?;
        ledger.set_operator(&self.operator)?;
        Ok(ledger)
    }

    /// Opens it again for reading beside a ledger already open in this program (see
    /// [`Ledger::open_reader`]).
    pub fn open_reader(&self) -> custody_db::Result<Ledger> {
        let mut ledger = Ledger::open_reader(&self.path, self.clock.clone())?;
        ledger.set_operator(&self.operator)?;
        Ok(ledger)
    }

    /// Creates a new database (never over an existing file).
    pub fn create(&self, org: Option<&str>) -> Result<Ledger> {
        self.prepare_default_folder()?;
        let mut ledger = Ledger::create(&self.path, org, self.clock.clone())?;
        ledger.set_operator(&self.operator)?;
        Ok(ledger)
    }

    /// The desk's database: the default one is created on first start (the Desk then offers
    /// demo data); a file named with --db must exist already, so a typo never makes a new one.
    pub fn open_for_desk(&self) -> Result<Ledger> {
        if self.is_default && !self.path.exists() {
            return self.create(None);
        }
        if !self.path.exists() {
            return Err(anyhow!(
                "there is no database at {}. Create one with `custody init`, or `custody demo` for demo data.",
                self.path.display()
            ));
        }
        Ok(self.open()?)
    }

    /// Creates the data folder for the default database; an explicit --db folder must exist.
    pub fn prepare_default_folder(&self) -> Result<()> {
        if let (true, Some(dir)) = (self.is_default, self.path.parent()) {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create the folder {}", dir.display()))?;
        }
        Ok(())
    }
}

/// `custody.db` in the platform's data folder.
pub fn default_database_path() -> Result<PathBuf> {
    let data = dirs::data_dir().context("this computer has no data folder for Custody; give a file with --db")?;
    Ok(data.join("custody").join("custody.db"))
}

/// The system clock, or a fixed time from `CUSTODY_NOW` (RFC 3339), so that scripted runs and
/// tests never depend on today's date.
fn clock() -> Result<Arc<dyn Clock>> {
    match std::env::var("CUSTODY_NOW") {
        Ok(text) => {
            let now = chrono::DateTime::parse_from_rfc3339(&text)
                .with_context(|| format!("CUSTODY_NOW={text:?} is not an RFC 3339 time"))?;
            Ok(FixedClock::new(now.with_timezone(&chrono::Utc)))
        }
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

fn login_name() -> String {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "desk".to_string())
}
