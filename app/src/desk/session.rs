//! What the Desk screen does, without the screen: a scan goes in; a sign-out, a sign-in, a
//! refusal or a question comes out. Every write goes through the ledger, so a refusal writes
//! nothing, and Undo appends corrections rather than deleting anything.

use chrono::{DateTime, Duration, Utc};
use custody_db::policy::Finding;
use custody_db::{Container, DayEdge, Item, ItemKind, Ledger, Person, Scanned, SignOut};
use custody_labels::payload::{CodeKind, Payload};

use super::widgets::save_report;
use crate::render::handover;

/// How long the Undo button stays after a sign-in or sign-out.
pub const UNDO_FOR: Duration = custody_db::UNDO_WITHIN;

/// The reason written on the corrections that Undo appends.
pub const UNDO_REASON: &str = "Undone at the desk straight after it was recorded";

/// How a message on the Desk reads: done, refused (nothing written), or just information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Done,
    Refused,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub tone: Tone,
    pub text: String,
}

/// The last action, which can still be taken back.
#[derive(Clone, Debug)]
pub struct Undo {
    /// What the button says it undoes: "sign-out of CB-0027", "return of LT-0001".
    pub label: String,
    /// The whole message that was shown when it was done.
    pub what: String,
    pub events: Vec<String>,
    pub until: DateTime<Utc>,
}

/// The Desk's state between scans.
#[derive(Debug, Default)]
pub struct Desk {
    /// Items collected for one sign-out, in the order scanned.
    pub basket: Vec<Item>,
    pub holder: Option<Person>,
    pub container: Option<Container>,
    /// Typed due date; empty means the default for each item's kind.
    pub due_text: String,
    /// R1: paper files need a reason and an authoriser.
    pub reason: String,
    pub authoriser: String,
    /// Warnings waiting for the clerk's confirmation before the basket goes out.
    pub warnings: Vec<Finding>,
    pub banner: Option<Banner>,
    pub undo: Option<Undo>,
    /// The last sign-out, while its hand-over receipt can still be saved: until the next
    /// hand-over begins.
    pub handed_over: Option<HandedOver>,
    /// An item scanned while recorded lost or stolen, which can be recorded found.
    pub turned_up: Option<String>,
    /// Text scanned or typed that names nothing exactly, for Scan or type to suggest from.
    pub unmatched: Option<String>,
}

/// A hand-over just recorded: who took the items ("Sam Jones (S001)") and its events.
#[derive(Debug, Clone)]
pub struct HandedOver {
    pub holder: String,
    pub events: Vec<custody_db::Event>,
}

impl Desk {
    /// Acts on one scan: a label's payload (`CU1:I:LT-0042`) or a typed tag, person id or
    /// container id. Returns what it did (the tone of the banner it leaves): `Done` when it
    /// wrote to the ledger, `Info` when it filled the basket or chose someone, `Refused` when
    /// nothing was written; `None` for nothing scanned.
    pub fn scan(&mut self, ledger: &mut Ledger, text: &str) -> Option<Tone> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        self.turned_up = None;
        if Payload::claims_to_be_one(text) || text.contains("://") {
            return Some(match Payload::parse(text) {
                Ok(p) => match p.kind {
                    CodeKind::Item => self.scan_item(ledger, &p.id),
                    CodeKind::Person => self.choose_holder(ledger, &p.id),
                    CodeKind::Container => self.choose_container(ledger, &p.id),
                },
                Err(e) => self.refuse(format!("{e} Nothing was recorded.")),
            });
        }
        // Typed: an item's tag first, then a person's id, then a container's.
        if !matches!(ledger.item(text), Err(custody_db::Error::UnknownItem(_))) {
            return Some(self.scan_item(ledger, text));
        }
        Some(if ledger.person(text).is_ok() {
            self.choose_holder(ledger, text)
        } else if ledger.container(text).is_ok() {
            self.choose_container(ledger, text)
        } else {
            // Typed with no field chosen (a name, say): the screen offers it to Scan or type,
            // whose suggestions list what contains it.
            self.unmatched = Some(text.to_string());
            self.refuse(format!(
                "No item, person or container is called \u{201c}{text}\u{201d}. What contains it is listed under Scan or type: choose one, or check the label."
            ))
        })
    }

    /// An item scanned: one that is out is signed in at once; one that may leave goes into the
    /// basket; any other is refused with the ledger's own R8 message.
    pub fn scan_item(&mut self, ledger: &mut Ledger, tag: &str) -> Tone {
        let item = match ledger.scanned_item(tag) {
            Ok(Scanned::Returns(item, _)) => return self.sign_in(ledger, &item.tag),
            Ok(Scanned::Leaves(item)) => item,
            Err(e) => {
                if matches!(
                    e,
                    custody_db::Error::ItemLost { .. } | custody_db::Error::ItemStolen { .. }
                ) {
                    self.turned_up = ledger.item(tag).ok().map(|i| i.tag);
                }
                return self.refuse(e.to_string());
            }
        };
        if self.basket.iter().any(|i| i.tag == item.tag) {
            return self.info(format!("{} is already in the basket.", item.tag));
        }
        let text = format!(
            "{} ({}) added. {} in the basket. {}",
            item.tag,
            item.name,
            plural(self.basket.len() + 1, "item"),
            if self.holder.is_some() {
                "Scan more, or press Enter to sign out."
            } else {
                "Scan a badge or type who takes it."
            }
        );
        self.basket.push(item);
        self.warnings.clear();
        self.next_hand_over_begun();
        self.info(text)
    }

    fn sign_in(&mut self, ledger: &mut Ledger, tag: &str) -> Tone {
        match ledger.sign_in(&[tag.to_string()], None, None) {
            Ok(returned) => {
                let Some(r) = returned.into_iter().next() else {
                    return self.refuse(format!("{tag} was not signed in."));
                };
                let what = format!("Returned {} from {} \u{2014} {}", r.item.tag, r.from.name, r.lateness());
                let label = format!("return of {}", r.item.tag);
                self.done(ledger, label, what, vec![r.event.id.to_string()])
            }
            Err(e) => self.refuse(e.to_string()),
        }
    }

    /// Sets who takes the basket; an inactive person is refused (R8).
    pub fn choose_holder(&mut self, ledger: &Ledger, id: &str) -> Tone {
        match ledger.active_person(id) {
            Ok(p) => {
                let next = if self.basket.is_empty() {
                    "Now scan the items."
                } else {
                    "Press Enter to sign the basket out."
                };
                let text = format!("{} ({}) takes the items. {next}", p.name, p.id);
                self.holder = Some(p);
                self.warnings.clear();
                self.next_hand_over_begun();
                self.info(text)
            }
            Err(e) => self.refuse(e.to_string()),
        }
    }

    pub fn choose_container(&mut self, ledger: &Ledger, id: &str) -> Tone {
        match ledger.container(id) {
            Ok(c) => {
                let text = format!("The items travel in {} ({}).", c.name, c.id);
                self.container = Some(c);
                self.warnings.clear();
                self.info(text)
            }
            Err(e) => self.refuse(e.to_string()),
        }
    }

    /// When the basket is due back: the typed date, or the default for each kind.
    pub fn due_summary(&self, ledger: &Ledger) -> String {
        if !self.due_text.trim().is_empty() {
            return match ledger.parse_when(&self.due_text, DayEdge::End) {
                Ok(t) => ledger.format_time(custody_db::time::to_millis(t)),
                Err(e) => e.to_string(),
            };
        }
        let now = ledger.now();
        let mut kinds: Vec<ItemKind> = self.basket.iter().map(|i| i.kind).collect();
        kinds.dedup();
        match kinds.first() {
            None => "a week for devices, the next working day for paper".to_string(),
            Some(&kind) if kinds.len() == 1 => match ledger.default_due(kind, now) {
                Ok(due) => ledger.format_time(custody_db::time::to_millis(due)),
                Err(e) => e.to_string(),
            },
            Some(_) => "by kind: a week for devices, the next working day for paper".to_string(),
        }
    }

    pub fn needs_reason(&self) -> bool {
        self.basket.iter().any(|i| i.kind == ItemKind::PaperFile)
    }

    /// Signs the basket out. With warnings not yet confirmed, it stops and asks; `confirmed`
    /// means the clerk has seen them, and they are stored on the events.
    pub fn sign_out(&mut self, ledger: &mut Ledger, confirmed: bool) {
        if self.basket.is_empty() {
            self.info("The basket is empty: scan an item first.".to_string());
            return;
        }
        let Some(holder) = self.holder.clone() else {
            self.info("Who takes them? Scan their badge or type part of their name.".to_string());
            return;
        };
        let due = if self.due_text.trim().is_empty() {
            None
        } else {
            match ledger.parse_when(&self.due_text, DayEdge::End) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.refuse(format!("Due back: {e}"));
                    return;
                }
            }
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let request = SignOut {
            items: self.basket.iter().map(|i| i.tag.clone()).collect(),
            to: holder.id.clone(),
            due,
            reason: text(&self.reason),
            authoriser: text(&self.authoriser),
            container: self.container.as_ref().map(|c| c.id.clone()),
            acknowledge_warnings: confirmed,
            ..SignOut::default()
        };
        match ledger.sign_out(&request) {
            Ok(events) => {
                let what = handover::signed_out(ledger, &events, &holder.name);
                let tags: Vec<String> = events.iter().map(|e| e.item.clone()).collect();
                let label = format!("sign-out of {}", handover::tags(&tags));
                let ids = events.iter().map(|e| e.id.to_string()).collect();
                self.clear();
                self.done(ledger, label, what, ids);
                self.handed_over = Some(HandedOver {
                    holder: format!("{} ({})", holder.name, holder.id),
                    events,
                });
            }
            Err(custody_db::Error::NeedsAcknowledgement { warnings }) => {
                self.warnings = warnings;
                self.info("Please read the warnings below, tell the holder, then confirm.".to_string());
            }
            Err(e) => {
                self.warnings.clear();
                self.refuse(format!("Not signed out. {e}"));
            }
        }
    }

    /// The reason, the authoriser or the due date was typed (or a badge scanned into it): a
    /// refusal for want of them is old news, so the banner says what is next.
    pub fn hand_over_details_changed(&mut self) {
        if self.banner.as_ref().is_some_and(|b| b.tone == Tone::Refused) {
            self.info("Press Enter to sign the basket out.".to_string());
        }
    }

    /// The next hand-over has begun: Undo no longer reaches back to the last one, and its
    /// receipt is no longer offered (it would be taken for this one's).
    fn next_hand_over_begun(&mut self) {
        self.undo = None;
        self.handed_over = None;
    }

    /// Takes back the last action by appending corrections, if it is still recent.
    pub fn undo(&mut self, ledger: &mut Ledger) {
        let Some(undo) = self.undo.take() else { return };
        self.handed_over = None;
        match ledger.undo_own(&undo.events, UNDO_REASON) {
            Ok(_) => self.info(format!(
                "Undone: {}. The ledger keeps both, marked as a correction.",
                undo.what
            )),
            Err(e) => self.refuse(format!("Could not undo: {e}")),
        };
    }

    /// Ctrl+Z after Undo's moment has passed: what to do instead.
    pub fn undo_too_late(&mut self) {
        let seconds = UNDO_FOR.num_seconds();
        self.info(format!(
            "Too late to undo: Undo is offered for {seconds} seconds after an action. To put an older one right, ask a manager to record a correction; the ledger keeps both."
        ));
    }

    /// Whether Undo is still offered at `now`.
    pub fn undo_open(&self, now: DateTime<Utc>) -> Option<&Undo> {
        self.undo.as_ref().filter(|u| now < u.until)
    }

    /// Records that a lost or stolen item has turned up.
    pub fn record_found(&mut self, ledger: &mut Ledger) {
        let Some(tag) = self.turned_up.take() else { return };
        match ledger.record(&tag, custody_db::EventKind::Found, None, Some("Turned up at the desk")) {
            Ok(e) => {
                let label = format!("found record of {tag}");
                self.done(
                    ledger,
                    label,
                    format!("{tag} recorded as found"),
                    vec![e.id.to_string()],
                )
            }
            Err(e) => self.refuse(e.to_string()),
        };
    }

    pub fn remove(&mut self, tag: &str) {
        self.basket.retain(|i| i.tag != tag);
        self.warnings.clear();
    }

    /// Empties the basket and forgets the holder, ready for the next person.
    pub fn clear(&mut self) {
        let banner = self.banner.take();
        let undo = self.undo.take();
        *self = Desk {
            banner,
            undo,
            ..Desk::default()
        };
    }

    /// Saves the last sign-out's hand-over receipt beside the database, and says where.
    pub fn save_receipt(&mut self, ledger: &mut Ledger) {
        let Some(HandedOver { holder: who, events }) = &self.handed_over else {
            return;
        };
        let made = crate::render::receipt::pdf(ledger, events).map_err(|e| e.to_string());
        let holder = events[0].person.clone().unwrap_or_default();
        let stamp = ledger.now().format("%Y%m%d-%H%M%S");
        match made.and_then(|pdf| save_report(ledger, &format!("receipt-{holder}-{stamp}.pdf"), &pdf)) {
            Ok(saved) => self.info(format!("{saved}: print it for {who} to sign.")),
            Err(e) => self.refuse(format!("The receipt was not saved: {e}")),
        };
    }

    /// Says what was recorded, and offers to undo it. Each of these three returns its tone.
    fn done(&mut self, ledger: &Ledger, label: String, what: String, events: Vec<String>) -> Tone {
        self.undo = Some(Undo {
            label,
            what: what.clone(),
            events,
            until: ledger.now() + UNDO_FOR,
        });
        self.say(Tone::Done, format!("{what}."))
    }

    fn refuse(&mut self, text: String) -> Tone {
        self.say(Tone::Refused, text)
    }

    fn info(&mut self, text: String) -> Tone {
        self.say(Tone::Info, text)
    }

    fn say(&mut self, tone: Tone, text: String) -> Tone {
        self.banner = Some(Banner { tone, text });
        tone
    }
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
