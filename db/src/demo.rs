//! Believable demo data: people, items in realistic proportions, and a ledger of sign-outs,
//! returns (some late), transfers, corrections, losses and thefts over a span of days.
//!
//! The history is generated item by item with the same state machine the ledger uses
//! ([`crate::state::apply`]), then written in time order through the same hash chain, in one
//! transaction. Same options and seed, same data (apart from ids and hashes).

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::calendar::WorkingDays;
use crate::error::{Error, Result};
use crate::event::{self, Event, GENESIS_HASH};
use crate::ids::{IdKind, normalise_id};
use crate::ledger::{Ledger, fields_of};
use crate::model::{EventKind, HomeWorking, Item, ItemKind, Person};
use crate::operator::Role;
use crate::record::{Appender, Record, RecordKind};
use crate::state::{ItemState, Move, Status, apply};
use crate::time::{default_due, to_millis};

/// How much demo data to make.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub items: u32,
    pub people: u32,
    /// How many days of history, ending now.
    pub days: u32,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            items: 400,
            people: 120,
            days: 365,
            seed: 7,
        }
    }
}

/// What was made.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DemoSummary {
    pub items: u32,
    pub people: u32,
    pub events: u64,
    pub out_now: u32,
    pub overdue: u32,
    pub lost: u32,
    pub stolen: u32,
}

/// One generated event, compact until it is written.
#[derive(Clone, Copy, Debug)]
struct Draft {
    at: i64,
    item: u32,
    /// Order within the item's own history (ties in time keep their order).
    ordinal: u32,
    kind: EventKind,
    person: Option<u32>,
    from_person: Option<u32>,
    due_at: Option<i64>,
    /// Index into the drafts of the event a correction voids (before sorting).
    corrects: Option<u32>,
    /// Which sentence, if any, goes in the note or reason.
    remark: Option<&'static str>,
}

const FIRST_NAMES: &[&str] = &[
    "Sam", "Alex", "Priya", "Tom", "Aisha", "James", "Olivia", "Mohammed", "Emily", "Daniel", "Chloe", "Ravi", "Grace",
    "Oliver", "Hannah", "Yusuf", "Sophie", "Jack", "Amelia", "Kwame", "Lucy", "Harry", "Zara", "Ben", "Fatima",
    "George", "Ella", "Connor", "Megan", "Tariq", "Isla", "Rhys", "Niamh", "Owen", "Leah", "Callum", "Anya", "Matthew",
    "Jasmine", "Ethan", "Ruth", "Declan", "Maya", "Luke", "Nadia", "Ewan", "Holly", "Sanjay",
];
const LAST_NAMES: &[&str] = &[
    "Jones", "Smith", "Patel", "Williams", "Brown", "Taylor", "Khan", "Davies", "Evans", "Wilson", "Thomas", "Roberts",
    "Johnson", "Lewis", "Walker", "Robinson", "Wood", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Ali",
    "Wright", "Clarke", "Jackson", "Hussain", "Turner", "Hill", "Moore", "Cooper", "Ward", "Okafor", "Morris", "King",
    "Watson", "Harris", "Begum", "Mensah", "Kaur", "Murphy", "Campbell", "Price", "Bennett",
];
const OPERATORS: &[&str] = &["desk", "manager", "desk"];

/// The demo's operators, one of each role, all with [`DEMO_PASSWORD`].
pub const DEMO_OPERATORS: [(&str, &str, Role); 4] = [
    ("admin", "Demo administrator", Role::Admin),
    ("manager", "Demo office manager", Role::Manager),
    ("dpo", "Demo data protection officer", Role::Dpo),
    ("desk", "Demo front desk", Role::Operator),
];
/// The demo's operator who is also on the people register, and so may authorise paper (R1).
pub const DEMO_AUTHORISER: (&str, &str) = ("manager", "Demo office manager");
/// The documented password of every demo operator.
pub const DEMO_PASSWORD: &str = "custody-demo";

/// Kind, tag prefix, share in a thousand, and the names such items carry.
const KINDS: &[(ItemKind, &str, u32, &[&str])] = &[
    (
        ItemKind::Chromebook,
        "CB",
        450,
        &["Acer Chromebook 314", "Lenovo 100e Chromebook", "HP Chromebook 11 G9"],
    ),
    (
        ItemKind::Laptop,
        "LT",
        290,
        &[
            "Dell Latitude 5440",
            "Lenovo ThinkPad E14",
            "HP ProBook 440 G10",
            "MacBook Air 13",
        ],
    ),
    (
        ItemKind::Tablet,
        "TB",
        100,
        &["iPad 10th generation", "Samsung Galaxy Tab A9", "iPad Air"],
    ),
    (
        ItemKind::Phone,
        "PH",
        50,
        &[
            "Trip phone (Samsung A15)",
            "Duty phone (iPhone SE)",
            "On-call phone (Nokia G22)",
        ],
    ),
    (
        ItemKind::PaperFile,
        "PF",
        80,
        &[
            "Pupil file ref",
            "SEN review pack ref",
            "Safeguarding file ref",
            "Patient notes bundle ref",
        ],
    ),
    (
        ItemKind::Other,
        "OT",
        25,
        &["Portable visualiser", "Exam-access reader pen", "Digital camera"],
    ),
    (
        ItemKind::RemovableMedia,
        "RM",
        5,
        &["Encrypted USB stick 32 GB", "Portable hard drive 1 TB"],
    ),
];

/// Fills an empty database with demo data. Refuses a database that already holds records.
pub fn fill(ledger: &mut Ledger, opts: &DemoOptions) -> Result<DemoSummary> {
    ledger.as_itself("custody demo", |ledger| {
        let summary = fill_register(ledger, opts)?;
        ledger.add_demo_operators()?;
        Ok(summary)
    })
}

fn fill_register(ledger: &mut Ledger, opts: &DemoOptions) -> Result<DemoSummary> {
    let (items, people, _) = ledger.counts()?;
    let events = event::head(ledger.conn())?.0;
    if items + people > 0 || events > 0 {
        return Err(Error::NotEmpty(ledger.path().to_path_buf()));
    }
    let now = ledger.now();
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let today = ledger.today();
    let people = make_people(&mut rng, opts.people.max(1), today);
    let items = make_items(&mut rng, opts.items);
    let start = now - Duration::days(i64::from(opts.days));
    let mut drafts = Vec::with_capacity(opts.items as usize * (opts.days as usize / 18 + 4));
    let mut states = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        states.push(item_history(
            &mut rng,
            ledger,
            index as u32,
            item,
            people.len() as u32,
            start,
            now,
            &mut drafts,
        ));
    }
    let order = time_order(&drafts);
    let registered = (start - Duration::days(1)).min(now - Duration::seconds(1));
    // The office manager is on the people register under their operator id, so that they may
    // authorise a paper file's removal (R1), as a real office's manager would be. (Added after
    // the histories are drawn: they hold nothing.)
    let mut people = people;
    people.push(Person {
        id: normalise_id(IdKind::Person, DEMO_AUTHORISER.0)?,
        name: DEMO_AUTHORISER.1.to_string(),
        email: None,
        active: true,
        home: HomeWorking::default(),
    });
    let mut register = Register {
        people: people.clone(),
        items: items.clone(),
        registered_at: to_millis(registered),
        changes: Vec::new(),
    };
    register.changes = register_changes(&mut register, &drafts, to_millis(start), to_millis(now));
    write(ledger, &register, &drafts, &order, &states, now)?;

    let mut summary = DemoSummary {
        items: items.len() as u32,
        // The people asked for; the office manager is counted with the operators.
        people: people.len() as u32 - 1,
        events: drafts.len() as u64,
        ..DemoSummary::default()
    };
    for state in &states {
        match state.status {
            Status::Out => {
                summary.out_now += 1;
                summary.overdue += u32::from(state.due_at.is_some_and(|d| d < to_millis(now)));
            }
            Status::Lost => summary.lost += 1,
            Status::Stolen => summary.stolen += 1,
            _ => {}
        }
    }
    Ok(summary)
}

fn make_people(rng: &mut fastrand::Rng, count: u32, today: NaiveDate) -> Vec<Person> {
    (1..=count)
        .map(|n| {
            let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
            Person {
                id: person_id(n - 1),
                name: format!("{first} {last}"),
                email: Some(format!(
                    "{}.{}{n}@example.org",
                    first.to_lowercase(),
                    last.to_lowercase()
                )),
                // About one in thirty has left: they keep their history but hold nothing new
                // (they are deactivated on the record after their last hand-over).
                // The last one has always left, so that small demos show a leaver too.
                active: rng.u32(..30) != 0 && n != count,
                home: home_working(rng, today),
            }
        })
        .collect()
}

/// A typical register: most agreements and training current, some lapsed, a few missing;
/// risk assessments only for about half (those who work from home regularly).
fn home_working(rng: &mut fastrand::Rng, today: NaiveDate) -> HomeWorking {
    let days_ago = |rng: &mut fastrand::Rng, max: i64| today - Duration::days(rng.i64(1..max));
    let signed = (rng.u32(..100) >= 6).then(|| days_ago(rng, 500));
    let assessed = (rng.u32(..100) < 55).then(|| days_ago(rng, 450));
    HomeWorking {
        agreement_signed: signed,
        agreement_review: signed.map(|d| d + Duration::days(365)),
        assessment_done: assessed,
        assessment_review: assessed.map(|d| d + Duration::days(365)),
        assessment_ref: assessed.map(|_| format!("RA-{}", rng.u32(100..999))),
        training: (rng.u32(..100) >= 4).then(|| days_ago(rng, 420)),
    }
}

fn make_items(rng: &mut fastrand::Rng, count: u32) -> Vec<Item> {
    let mut numbers = [0u32; KINDS.len()];
    (0..count)
        .map(|_| {
            let mut pick = rng.u32(..1000);
            let k = KINDS
                .iter()
                .position(|(_, _, share, _)| {
                    let hit = pick < *share;
                    pick = pick.saturating_sub(*share);
                    hit
                })
                .unwrap_or(0);
            let (kind, prefix, _, names) = KINDS[k];
            numbers[k] += 1;
            let name = names[rng.usize(..names.len())];
            let mut item = Item::new(&format!("{prefix}-{:04}", numbers[k]), kind, name);
            personal_data(rng, &mut item);
            item
        })
        .collect()
}

/// A personal-data profile typical of the kind: staff laptops carry most, pupils' Chromebooks
/// little, paper files are few but sensitive. Paper descriptions use references, never names (R12).
fn personal_data(rng: &mut fastrand::Rng, item: &mut Item) {
    let chance = |rng: &mut fastrand::Rng, percent: u32| rng.u32(..100) < percent;
    let serial = |rng: &mut fastrand::Rng| {
        (0..10)
            .map(|_| rng.alphanumeric().to_ascii_uppercase())
            .collect::<String>()
    };
    match item.kind {
        ItemKind::Laptop => {
            item.serial = Some(serial(rng));
            item.encrypted = chance(rng, 92);
            item.data_categories = vec!["contact".into(), "attainment".into()];
            item.data_subjects = rng.u32(30..400);
            item.special_category = chance(rng, 20);
            item.safeguarding = chance(rng, 8);
            item.confidential = chance(rng, 30);
        }
        ItemKind::Chromebook => {
            item.serial = Some(serial(rng));
            item.encrypted = true;
        }
        ItemKind::Tablet | ItemKind::Phone => {
            item.serial = Some(serial(rng));
            item.encrypted = chance(rng, 96);
            item.data_categories = vec!["contact".into()];
            item.data_subjects = rng.u32(5..120);
        }
        ItemKind::PaperFile => {
            item.name = format!("{} {}-{}", item.name, 2020 + rng.u32(..6), rng.u32(1000..9999));
            item.data_categories = vec!["contact".into(), "health".into()];
            item.data_subjects = rng.u32(1..30);
            item.special_category = chance(rng, 40);
            item.safeguarding = chance(rng, 25);
            item.confidential = true;
        }
        ItemKind::RemovableMedia => item.serial = Some(serial(rng)),
        ItemKind::Other => {}
    }
}

/// Generates one item's history from `start` to `now`, appending to `drafts`; returns its final state.
#[allow(clippy::too_many_arguments)]
fn item_history(
    rng: &mut fastrand::Rng,
    ledger: &Ledger,
    item: u32,
    it: &Item,
    people: u32,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    drafts: &mut Vec<Draft>,
) -> ItemState {
    let mut state = ItemState::default();
    let mut previous = ItemState::default();
    let mut ordinal = 0u32;
    let mut last_at = i64::MIN;
    let mut push = |drafts: &mut Vec<Draft>, state: &mut ItemState, previous: &mut ItemState, mut d: Draft| {
        // An item's events never go back in time (the ledger refuses that too).
        d.at = d.at.max(last_at.saturating_add(60_000));
        last_at = d.at;
        if d.kind == EventKind::Correction {
            *state = std::mem::take(previous);
        } else {
            let holder = d.person.map(person_id);
            let mv = Move {
                desk: "",
                seq: 0,
                kind: d.kind,
                person: holder.as_deref(),
                due_at: d.due_at,
                container: None,
                occurred_at: d.at,
            };
            // The generator only makes moves the ledger accepts; anything else is a bug here.
            let next =
                apply(state, &mv).unwrap_or_else(|why| panic!("demo generated an impossible {:?}: {why:?}", d.kind));
            *previous = std::mem::replace(state, next);
        }
        ordinal += 1;
        drafts.push(Draft { ordinal, ..d });
        drafts.len() as u32 - 1
    };
    let blank = |kind, at: DateTime<Utc>| Draft {
        at: to_millis(at),
        item,
        ordinal: 0,
        kind,
        person: None,
        from_person: None,
        due_at: None,
        corrects: None,
        remark: None,
    };
    // Removable media is never signed out (R2); it sits in the cupboard.
    if it.kind == ItemKind::RemovableMedia {
        return state;
    }
    let paper = it.kind == ItemKind::PaperFile;
    let mut t = working_hours(start + Duration::hours(rng.i64(0..24 * 20)), rng);
    // Pupils' Chromebooks go home the most; paper files the least.
    let (max_gap_days, max_out_days) = match it.kind {
        ItemKind::Chromebook => (46, 14),
        ItemKind::PaperFile => (70, 2),
        _ => (56, 12),
    };
    while t + Duration::minutes(10) < now {
        let holder = skewed_person(rng, people);
        let out_at = t;
        let due = default_due(it.kind, out_at, ledger.timezone(), &WorkingDays::default());
        if rng.u32(..300) == 0 {
            // The wrong badge was scanned; the clerk corrects it a minute later.
            let mut wrong = blank(EventKind::SignOut, out_at);
            wrong.person = Some(skewed_person(rng, people));
            wrong.due_at = Some(to_millis(due));
            let voided = push(drafts, &mut state, &mut previous, wrong);
            let mut fix = blank(EventKind::Correction, out_at + Duration::minutes(1));
            fix.corrects = Some(voided);
            fix.remark = Some("Scanned the wrong badge");
            push(drafts, &mut state, &mut previous, fix);
        }
        let mut out = blank(EventKind::SignOut, out_at + Duration::minutes(2));
        out.person = Some(holder);
        out.due_at = Some(to_millis(due));
        if paper {
            out.remark = Some("Home visit");
        }
        push(drafts, &mut state, &mut previous, out);

        let late = if rng.u32(..100) < 18 {
            Duration::days(rng.i64(1..21))
        } else {
            Duration::zero()
        };
        let back_at = if paper {
            due - Duration::hours(rng.i64(0..6)) + late
        } else {
            working_hours(out_at + Duration::days(rng.i64(1..=max_out_days)) + late, rng)
        };
        let mut current = holder;
        if rng.u32(..40) == 0 && back_at < now {
            // Handed on to a colleague halfway through.
            let to = (holder + 1 + rng.u32(..people.max(2) - 1)) % people;
            if to != holder {
                let mut tr = blank(EventKind::Transfer, out_at + (back_at - out_at) / 2);
                tr.person = Some(to);
                tr.from_person = Some(holder);
                push(drafts, &mut state, &mut previous, tr);
                current = to;
            }
        }
        if rng.u32(..700) == 0 {
            let kind = if rng.bool() { EventKind::Lost } else { EventKind::Stolen };
            let missing_at = (out_at + Duration::hours(rng.i64(3..48))).min(now - Duration::hours(1));
            let mut m = blank(kind, missing_at);
            m.person = Some(current);
            m.remark = Some(if kind == EventKind::Stolen {
                "Car broken into"
            } else {
                "Left on a train"
            });
            push(drafts, &mut state, &mut previous, m);
            let found_at = missing_at + Duration::days(rng.i64(1..30));
            if rng.bool() && found_at < now {
                push(drafts, &mut state, &mut previous, blank(EventKind::Found, found_at));
                t = working_hours(found_at + Duration::days(rng.i64(1..max_gap_days)), rng);
                continue;
            }
            break;
        }
        if back_at >= now {
            break; // still out (and overdue if its due date has passed)
        }
        let mut back = blank(EventKind::SignIn, back_at);
        back.person = Some(current);
        push(drafts, &mut state, &mut previous, back);
        if rng.u32(..500) == 0 {
            let retire_at = back_at + Duration::days(rng.i64(1..20));
            if retire_at < now {
                let mut r = blank(EventKind::Retired, retire_at);
                r.remark = Some("Disposal batch");
                push(drafts, &mut state, &mut previous, r);
            }
            break;
        }
        t = working_hours(back_at + Duration::days(rng.i64(0..max_gap_days)), rng);
    }
    state
}

/// The id of the `n`th demo person (0-based).
fn person_id(n: u32) -> String {
    format!("S{:05}", n + 1)
}

/// Some people borrow far more often than others.
fn skewed_person(rng: &mut fastrand::Rng, people: u32) -> u32 {
    let r = rng.f64();
    ((r * r * f64::from(people)) as u32).min(people - 1)
}

/// Moves a time into the desk's working day (08:00–17:59 UTC is close enough for demo data).
fn working_hours(t: DateTime<Utc>, rng: &mut fastrand::Rng) -> DateTime<Utc> {
    let day = t.date_naive();
    let hour = 8 + rng.u32(..10);
    let minute = rng.u32(..60);
    day.and_hms_opt(hour, minute, 0)
        .map(|n| n.and_utc())
        .filter(|n| n.hour() >= 8)
        .unwrap_or(t)
        .max(t)
}

/// The drafts' indices in the order they are written: by time; an item's own events keep theirs.
fn time_order(drafts: &[Draft]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..drafts.len() as u32).collect();
    order.sort_unstable_by_key(|&i| {
        let d = &drafts[i as usize];
        (d.at, d.item, d.ordinal)
    });
    order
}

/// The register as first recorded, and its changes over the demo's span.
struct Register {
    /// As registered (the final state of each is the changes applied).
    people: Vec<Person>,
    items: Vec<Item>,
    registered_at: i64,
    /// In time order.
    changes: Vec<Change>,
}

/// One change to the register, written between the events at its time.
struct Change {
    at: i64,
    kind: RecordKind,
    subject: String,
    fields: Map<String, Value>,
    reason: &'static str,
}

/// Changes to the register over the span, so that the screens and exposures show them: a few
/// laptops encrypted months after they first went out, paper files that grew, and the people
/// who left deactivated a week after their last hand-over. Turns `register.people` and
/// `register.items` (the final rows when called) into the register as first recorded.
fn register_changes(register: &mut Register, drafts: &[Draft], start: i64, now: i64) -> Vec<Change> {
    let mut changes = Vec::new();
    let day = Duration::days(1).num_milliseconds();
    let first_out = |item: usize| {
        drafts
            .iter()
            .filter(|d| d.item as usize == item && d.kind == EventKind::SignOut)
            .map(|d| d.at)
            .min()
    };
    let one = |key: &str, value: Value| {
        let mut fields = Map::new();
        fields.insert(key.to_string(), value);
        fields
    };
    let laptops: Vec<usize> = (0..register.items.len())
        .filter(|&i| register.items[i].kind == ItemKind::Laptop && register.items[i].encrypted)
        .filter(|&i| first_out(i).is_some_and(|t| t + 90 * day < now))
        .take(3)
        .collect();
    for i in laptops {
        register.items[i].encrypted = false; // registered unencrypted; encrypted at the audit
        changes.push(Change {
            at: first_out(i).unwrap_or(start) + 90 * day,
            kind: RecordKind::ItemChanged,
            subject: register.items[i].tag.clone(),
            fields: one("encrypted", Value::Bool(true)),
            reason: "BitLocker turned on at the device audit",
        });
    }
    let files: Vec<usize> = (0..register.items.len())
        .filter(|&i| register.items[i].kind == ItemKind::PaperFile && register.items[i].data_subjects > 4)
        .take(2)
        .collect();
    for i in files {
        let grown = register.items[i].data_subjects;
        register.items[i].data_subjects = grown / 2;
        changes.push(Change {
            at: start + (now - start) * 2 / 5,
            kind: RecordKind::ItemChanged,
            subject: register.items[i].tag.clone(),
            fields: one("data_subjects", Value::from(grown)),
            reason: "New referrals added to the file this term",
        });
    }
    // Each person's last hand-over, in one pass.
    let mut last_involved = vec![start; register.people.len()];
    for d in drafts {
        for p in [d.person, d.from_person].into_iter().flatten() {
            last_involved[p as usize] = last_involved[p as usize].max(d.at);
        }
    }
    for (person, last) in register.people.iter_mut().zip(last_involved) {
        if person.active {
            continue;
        }
        person.active = true; // registered while they worked here
        // A leaver may still hold something (a laptop not handed back): it stays with them.
        changes.push(Change {
            at: (last + 7 * day).min(now - day).max(last + 1),
            kind: RecordKind::PersonChanged,
            subject: person.id.clone(),
            fields: one("active", Value::Bool(false)),
            reason: "Left the organisation",
        });
    }
    changes.sort_by_key(|c| c.at);
    changes
}

fn write(
    ledger: &mut Ledger,
    register: &Register,
    drafts: &[Draft],
    order: &[u32],
    states: &[ItemState],
    now: DateTime<Utc>,
) -> Result<()> {
    ledger.writable()?;
    let conn = ledger.conn();
    let desk = ledger.desk().to_string();
    let people = &register.people;
    let holder = |p: Option<u32>| p.map(|p| people[p as usize].id.clone());
    // Two million rows in one transaction: with SQLite's default cache of 2 MB most of them are
    // spilled to the log and read back while the indexes grow (the 2M demo took 130 s; with
    // 256 MB, 82 s). The cache takes memory only as pages are written: a small demo, little.
    // Into a file whose chain is signed already (the desk's first administrator asked for demo
    // data), the history is theirs: each entry names them and is signed with their key.
    let signer = ledger.signer().cloned();
    let author = |demo: &str| signer.as_ref().map_or(demo.to_string(), |s| s.operator().to_string());
    conn.execute_batch("PRAGMA cache_size = -262144; BEGIN IMMEDIATE")?;
    let written = (|| -> Result<()> {
        let mut chain = Appender::new(conn, &desk)?;
        let before = chain.head.0;
        let added = register.registered_at;
        let recorded = added + 60_000;
        let operator = &author(OPERATORS[0]);
        for p in people {
            let r = Record::draft(RecordKind::PersonRegistered, &p.id, &fields_of(p, "id"), added);
            chain.append_record(conn, r, recorded, operator)?;
        }
        for it in &register.items {
            let r = Record::draft(RecordKind::ItemRegistered, &it.tag, &fields_of(it, "tag"), added);
            chain.append_record(conn, r, recorded, operator)?;
        }
        // The rows are the register after its changes.
        let (mut final_people, mut final_items) = (people.clone(), register.items.clone());
        for c in &register.changes {
            let apply_to = |fields: &mut Map<String, Value>| fields.extend(c.fields.clone());
            if let Some(p) = final_people.iter_mut().find(|p| p.id == c.subject) {
                let mut fields = fields_of(&*p, "id");
                apply_to(&mut fields);
                fields.insert("id".into(), Value::String(p.id.clone()));
                *p = serde_json::from_value(Value::Object(fields)).map_err(demo_error)?;
            } else if let Some(it) = final_items.iter_mut().find(|i| i.tag == c.subject) {
                let mut fields = fields_of(&*it, "tag");
                apply_to(&mut fields);
                fields.insert("tag".into(), Value::String(it.tag.clone()));
                *it = serde_json::from_value(Value::Object(fields)).map_err(demo_error)?;
            }
        }
        for p in &final_people {
            crate::ledger::write_person(conn, p, added)?;
        }
        for it in &final_items {
            crate::ledger::insert_item(conn, it, added)?;
        }
        let items = &final_items;
        let mut pending = register.changes.iter().peekable();
        let mut ids: Vec<Uuid> = vec![Uuid::nil(); drafts.len()];
        // Each item's last effective event, and the one before (a correction restores it).
        let mut last_seq: Vec<(Option<i64>, Option<i64>)> = vec![(None, None); items.len()];
        let mut rng = fastrand::Rng::with_seed(1);
        for (n, &i) in order.iter().enumerate() {
            let d = &drafts[i as usize];
            while let Some(c) = pending.next_if(|c| c.at <= d.at) {
                let mut r = Record::draft(c.kind, &c.subject, &c.fields, c.at);
                r.reason = Some(c.reason.to_string());
                chain.append_record(conn, r, (c.at + 120_000).min(to_millis(now)), &author(OPERATORS[1]))?;
            }
            let recorded_at = (d.at + rng.i64(5_000..90_000)).min(to_millis(now));
            ids[i as usize] = crate::record::uuid_at(recorded_at);
            let (reason, note) = match d.kind {
                EventKind::Correction | EventKind::SignOut => (d.remark.map(str::to_string), None),
                _ => (None, d.remark.map(str::to_string)),
            };
            let mut e = Event {
                seq: chain.head.0 + 1,
                id: ids[i as usize],
                desk: desk.clone(),
                kind: d.kind,
                item: items[d.item as usize].tag.clone(),
                person: holder(d.person),
                from_person: holder(d.from_person),
                handover: (d.kind == EventKind::SignOut).then(|| ids[i as usize]),
                due_at: d.due_at,
                purpose: None,
                reason,
                authoriser: None,
                container: None,
                corrects: d.corrects.map(|c| ids[c as usize]),
                note,
                occurred_at: d.at,
                recorded_at,
                operator: author(OPERATORS[n % OPERATORS.len()]),
                warnings: None,
                prev_hash: chain.head.1,
                hash: GENESIS_HASH,
            };
            e.hash = e.compute_hash();
            chain.head = (e.seq, e.hash);
            let last = &mut last_seq[d.item as usize];
            *last = match d.kind {
                EventKind::Correction => (last.1, None),
                _ => (Some(e.seq), last.0),
            };
            event::insert(conn, &e)?;
        }
        for c in pending {
            let mut r = Record::draft(c.kind, &c.subject, &c.fields, c.at);
            r.reason = Some(c.reason.to_string());
            chain.append_record(conn, r, (c.at + 120_000).min(to_millis(now)), &author(OPERATORS[1]))?;
        }
        if let Some(signer) = &signer {
            sign_all_after(conn, signer, before)?;
        }
        for ((it, state), (last, _)) in items.iter().zip(states).zip(last_seq) {
            let state = ItemState {
                last_seq: last,
                last_desk: last.map(|_| desk.clone()),
                ..state.clone()
            };
            crate::ledger::write_state(conn, &it.tag, &state)?;
        }
        Ok(())
    })();
    let ended = match written {
        Ok(()) => conn.execute_batch("COMMIT").map_err(Error::from),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    };
    conn.execute_batch("PRAGMA cache_size = -2000")?;
    ended
}

/// Signs every entry after `before` with `signer`, on every core (the demo's history, written
/// in one go for speed, signed the same way).
fn sign_all_after(conn: &rusqlite::Connection, signer: &crate::signing::Signer, before: i64) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT seq, hash FROM events WHERE seq > ?1 UNION ALL SELECT seq, hash FROM records WHERE seq > ?1",
    )?;
    let entries: Vec<(i64, Vec<u8>)> = stmt
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(cores).max(1);
    let signed: Vec<(i64, [u8; 64])> = std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(seq, hash)| {
                            let hash: [u8; 32] = hash.as_slice().try_into().ok()?;
                            Some((*seq, signer.sign_entry(&hash)))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut insert = conn.prepare("INSERT INTO signatures (seq, signature) VALUES (?1, ?2)")?;
    for (seq, signature) in signed {
        insert.execute(rusqlite::params![seq, signature.as_slice()])?;
    }
    Ok(())
}

fn demo_error(e: serde_json::Error) -> Error {
    Error::InvalidText {
        field: "demo data",
        why: e.to_string(),
    }
}
