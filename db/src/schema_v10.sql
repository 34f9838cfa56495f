-- Custody schema version 10: the events table as SQLite can check it quickly. Nothing recorded
-- changes: every row is copied as it is (same sequence numbers, same hashes).
--
-- `verify` runs SQLite's integrity check, which tests every row's CHECK constraint and looks up
-- every row in every index. On two million events, `kind IN (...)` cost four seconds of it (SQLite
-- evaluates the list afresh for each row); the same rule written as comparisons costs a quarter
-- of a second. The index on (item, seq) goes: the one on (item, occurred_at) serves the same
-- look-ups (an item's few events are put in order after), and each index costs the check about
-- three seconds and every sign-out a write.
DROP VIEW all_events;
DROP TRIGGER events_are_never_updated;
DROP TRIGGER events_are_never_replaced;
DROP TRIGGER events_are_never_deleted;
DROP TRIGGER records_are_never_replaced;
DROP INDEX events_by_item;
DROP INDEX events_by_item_time;
DROP INDEX events_by_person;
DROP INDEX events_by_from_person;
DROP INDEX events_by_corrects;
DROP INDEX events_lost_or_stolen;

CREATE TABLE events_v10 (
    seq         INTEGER PRIMARY KEY,           -- this desk's sequence number: 1, 2, 3, ...
    id          BLOB NOT NULL UNIQUE,          -- UUIDv7, unique across desks
    desk        TEXT NOT NULL,                 -- the desk that recorded it
    kind        TEXT NOT NULL CHECK (kind = 'sign-out' OR kind = 'sign-in' OR kind = 'transfer'
                                         OR kind = 'lost' OR kind = 'stolen' OR kind = 'found'
                                         OR kind = 'retired' OR kind = 'correction'),
    item        TEXT NOT NULL REFERENCES items (tag),
    person      TEXT REFERENCES people (id),   -- receives (sign-out, transfer), returns (sign-in),
                                               -- or held it when it went missing (lost, stolen)
    from_person TEXT REFERENCES people (id),   -- transfer: who handed it on
    handover    BLOB,                          -- shared by the items of one sign-out
    due_at      INTEGER,
    purpose     TEXT,
    reason      TEXT,                          -- why (paper leaving, a correction)
    authoriser  TEXT REFERENCES people (id),
    container   TEXT REFERENCES containers (id),
    corrects    BLOB,                          -- correction: the event it voids (this desk's or another's)
    note        TEXT,
    occurred_at INTEGER NOT NULL,              -- when it happened, as told
    recorded_at INTEGER NOT NULL,              -- when this desk wrote it
    operator    TEXT NOT NULL,                 -- who recorded it
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    warnings    TEXT                           -- acknowledged warnings, one per line
) STRICT;

INSERT INTO events_v10 SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason,
                              authoriser, container, corrects, note, occurred_at, recorded_at, operator,
                              prev_hash, hash, warnings FROM events;
DROP TABLE events;
ALTER TABLE events_v10 RENAME TO events;

CREATE INDEX events_by_item_time ON events (item, occurred_at);
CREATE INDEX events_by_person ON events (person, occurred_at) WHERE person IS NOT NULL;
CREATE INDEX events_by_from_person ON events (from_person, occurred_at) WHERE from_person IS NOT NULL;
CREATE INDEX events_by_corrects ON events (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX events_lost_or_stolen ON events (person, item) WHERE kind IN ('lost', 'stolen');

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

CREATE TRIGGER events_are_never_replaced BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq OR id = NEW.id)
  OR EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

CREATE TRIGGER records_are_never_replaced BEFORE INSERT ON records
WHEN EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq OR id = NEW.id)
  OR EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'the register''s records are append-only: record a change instead');
END;

CREATE VIEW all_events AS
    SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason, authoriser,
           container, corrects, note, occurred_at, recorded_at, operator, prev_hash, hash, warnings FROM events
    UNION ALL
    SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason, authoriser,
           container, corrects, note, occurred_at, recorded_at, operator, prev_hash, hash, warnings FROM remote_events;
