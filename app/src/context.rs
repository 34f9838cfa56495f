//! What both front ends need before they start: which database, what time it is, and who is
//! recording. The command line and the desk open the database through one [`Context`]; the desk's
//! background readers clone it to open their own connections, acting for the operator signed in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};
use custody_db::{Clock, FixedClock, Ledger, Session, SignInAt, SystemClock};

/// `--db`, `--operator` and `--password-file`, which every command and the desk take.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// The database file [default: custody.db in your data folder]
    #[arg(long, global = true, env = "CUSTODY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The operator id to act as (every event names it) [default: your login name]
    #[arg(long, global = true, env = "CUSTODY_OPERATOR", value_name = "ID")]
    pub operator: Option<String>,
    /// Read the operator's password from this file (for scheduled jobs; it must be readable by
    /// its owner only) [default: asked on the terminal]
    #[arg(long, global = true, env = "CUSTODY_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Which database, the clock, and who is acting.
#[derive(Clone)]
pub struct Context {
    pub path: PathBuf,
    /// No `--db` was given: the database in the data folder, made on first use.
    pub is_default: bool,
    pub clock: Arc<dyn Clock>,
    /// The operator id given (`--operator`, else the login name).
    pub operator: String,
    pub password_file: Option<PathBuf>,
    /// Someone already signed in (at the desk): its readers act for them without a password.
    pub session: Option<Session>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Context({}, {})", self.path.display(), self.operator)
    }
}

impl Context {
    /// From the command line: `--db` (or `CUSTODY_DB`, else the data folder), the clock (or
    /// `CUSTODY_NOW`), `--operator` (or the login name) and `--password-file`.
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
            password_file: args.password_file.clone(),
            session: None,
        })
    }

    /// A context for an explicit file, acting for an operator already signed in (the desk's own
    /// readers), or for nobody.
    pub fn for_file(path: &Path, clock: Arc<dyn Clock>, session: Option<Session>) -> Context {
        Context {
            path: path.to_path_buf(),
            is_default: false,
            clock,
            operator: session.as_ref().map_or_else(login_name, |s| s.id().to_string()),
            password_file: None,
            session,
        }
    }

    /// Opens the existing database and signs in: as the desk's operator, or with the password
    /// from the file or the terminal. A database with no operators yet opens signed in as
    /// nobody, so that its first administrator can be made (everything else says how).
    pub fn open(&self) -> Result<Ledger> {
        let mut ledger = Ledger::open(&self.path, self.clock.clone())?;
        self.sign_in(&mut ledger)?;
        Ok(ledger)
    }

    /// Signs `ledger` in as this context's operator (see [`Context::open`]).
    pub fn sign_in(&self, ledger: &mut Ledger) -> Result<()> {
        if let Some(session) = &self.session {
            ledger.act_as(session)?;
        } else if ledger.has_operators()? {
            let password = crate::password::read(&self.operator, self.password_file.as_deref())?;
            ledger.operator_sign_in(&self.operator, &password, SignInAt::CommandLine)?;
        }
        Ok(())
    }

    /// Opens the database signed in as nobody (the desk, which then shows its sign-in screen).
    pub fn open_unsigned(&self) -> custody_db::Result<Ledger> {
        Ledger::open(&self.path, self.clock.clone())
    }

    /// Opens it again for reading beside a ledger already open in this program (see
    /// [`Ledger::open_reader`]), acting for the desk's operator.
    pub fn open_reader(&self) -> custody_db::Result<Ledger> {
        let mut ledger = Ledger::open_reader(&self.path, self.clock.clone())?;
        if let Some(session) = &self.session {
            ledger.act_as(session)?;
        }
        Ok(ledger)
    }

    /// Creates a new database (never over an existing file), with no operators yet.
    pub fn create(&self, org: Option<&str>) -> Result<Ledger> {
        self.prepare_default_folder()?;
        Ok(Ledger::create(&self.path, org, self.clock.clone())?)
    }

    /// Creates a new desk's database to be filled by joining its trust's server.
    pub fn create_to_join(&self) -> Result<Ledger> {
        self.prepare_default_folder()?;
        Ok(Ledger::create_to_join(&self.path, self.clock.clone())?)
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
        Ok(self.open_unsigned()?)
    }

    /// Creates the data folder for the default database; an explicit --db folder must exist.
    pub fn prepare_default_folder(&self) -> Result<()> {
        if let (true, Some(dir)) = (self.is_default, self.path.parent()) {
            custody_db::private::create_private_folder(dir)
                .with_context(|| format!("could not create the folder {}", dir.display()))?;
        }
        Ok(())
    }
}

/// `custody.db` in the platform's data folder.
pub fn default_database_path() -> Result<PathBuf> {
    let data = dirs::data_dir().context("this computer has no data folder for Custody; give a file with --db")?;
    Ok(data.join("custody").join("custody.db"))
}

/// The system clock. A build made for tests (the cargo feature `fixed-clock`: the tests,
/// `scripts/bench` and the screenshots) takes a fixed time from `CUSTODY_NOW` (RFC 3339)
/// instead, so that scripted runs are repeatable; the shipped program never does, so that nobody
/// can sign in through a lock-out or date a record by setting a variable.
fn clock() -> Result<Arc<dyn Clock>> {
    let Ok(text) = std::env::var("CUSTODY_NOW") else {
        return Ok(Arc::new(SystemClock));
    };
    if !cfg!(feature = "fixed-clock") {
        eprintln!("custody: CUSTODY_NOW is ignored: this program takes the computer's time.");
        return Ok(Arc::new(SystemClock));
    }
    let now = chrono::DateTime::parse_from_rfc3339(&text)
        .with_context(|| format!("CUSTODY_NOW={text:?} is not an RFC 3339 time"))?;
    Ok(FixedClock::new(now.with_timezone(&chrono::Utc)))
}

fn login_name() -> String {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "desk".to_string())
}
