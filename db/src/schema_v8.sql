-- Custody schema version 8: other desks' entries applied. What a desk receives from its trust's
-- server (`remote_entries`, schema 7) is applied once it is all there: each other desk's events
-- and records are copied, column by column, into `remote_events` and `remote_records`, and the
-- register and items' states become the replay of every desk's entries. `all_events` and
-- `all_records` are the trust's ledger as one; this desk's own chain is still `events` and
-- `records` alone.

-- A correction may void another desk's event (a conflict resolved here), which the foreign key
-- from `corrects` to this desk's own events would refuse: the events table is rebuilt without
-- it, every row copied as it is (same sequence numbers, same hashes). The guards are dropped only
-- for the copy, inside the migration's transaction, and made again below.
DROP TRIGGER events_are_never_updated;
DROP TRIGGER events_are_never_replaced;
DROP TRIGGER events_are_never_deleted;
DROP TRIGGER records_are_never_replaced;
DROP INDEX events_by_item;
DROP INDEX events_by_person;
DROP INDEX events_by_from_person;
DROP INDEX events_by_corrects;
DROP INDEX events_lost_or_stolen;

CREATE TABLE events_v8 (
    seq         INTEGER PRIMARY KEY,           -- this desk's sequence number: 1, 2, 3, ...
    id          BLOB NOT NULL UNIQUE,          -- UUIDv7, unique across desks
    desk        TEXT NOT NULL,                 -- the desk that recorded it
    kind        TEXT NOT NULL CHECK (kind IN ('sign-out', 'sign-in', 'transfer', 'lost',
                                              'stolen', 'found', 'retired', 'correction')),
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

INSERT INTO events_v8 SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason,
                             authoriser, container, corrects, note, occurred_at, recorded_at, operator,
                             prev_hash, hash, warnings FROM events;
DROP TABLE events;
ALTER TABLE events_v8 RENAME TO events;

CREATE INDEX events_by_item ON events (item, seq);
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

-- Other desks' events, as their desks stored them (`seq` is theirs). No foreign keys: another
-- desk's event may name a person another desk registered, applied in the same pass.
CREATE TABLE remote_events (
    seq         INTEGER NOT NULL,
    id          BLOB NOT NULL UNIQUE,
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    item        TEXT NOT NULL,
    person      TEXT,
    from_person TEXT,
    handover    BLOB,
    due_at      INTEGER,
    purpose     TEXT,
    reason      TEXT,
    authoriser  TEXT,
    container   TEXT,
    corrects    BLOB,
    note        TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    warnings    TEXT,
    PRIMARY KEY (desk, seq)
) STRICT;

CREATE INDEX remote_events_by_item_time ON remote_events (item, occurred_at);
CREATE INDEX remote_events_by_person ON remote_events (person, occurred_at) WHERE person IS NOT NULL;
CREATE INDEX remote_events_by_from_person ON remote_events (from_person, occurred_at) WHERE from_person IS NOT NULL;
CREATE INDEX remote_events_by_corrects ON remote_events (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX remote_events_by_container ON remote_events (container) WHERE container IS NOT NULL;

-- Other desks' register records, likewise.
CREATE TABLE remote_records (
    seq         INTEGER NOT NULL,
    id          BLOB NOT NULL UNIQUE,
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    reason      TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    PRIMARY KEY (desk, seq)
) STRICT;

CREATE INDEX remote_records_by_subject ON remote_records (subject);

CREATE TRIGGER remote_events_are_never_updated BEFORE UPDATE ON remote_events
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

CREATE TRIGGER remote_events_are_never_deleted BEFORE DELETE ON remote_events
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

CREATE TRIGGER remote_records_are_never_updated BEFORE UPDATE ON remote_records
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

CREATE TRIGGER remote_records_are_never_deleted BEFORE DELETE ON remote_records
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

-- The trust's ledger as one: every desk's events and records.
CREATE VIEW all_events AS
    SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason, authoriser,
           container, corrects, note, occurred_at, recorded_at, operator, prev_hash, hash, warnings FROM events
    UNION ALL
    SELECT seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason, authoriser,
           container, corrects, note, occurred_at, recorded_at, operator, prev_hash, hash, warnings FROM remote_events;

CREATE VIEW all_records AS
    SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator, prev_hash, hash FROM records
    UNION ALL
    SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator, prev_hash, hash
    FROM remote_records;

-- The desks' names, as the server knows them (a desk's id is a UUID nobody reads).
CREATE TABLE desk_names (
    desk TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- Which desk's event an item's state comes from, and whether desks disagree about the item: two
-- desks, apart, moved it in ways that cannot both be true (set by the replay, cleared when a
-- correction leaves a replay without such a move).
ALTER TABLE item_state ADD COLUMN last_desk TEXT;
ALTER TABLE item_state ADD COLUMN conflict INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1));
CREATE INDEX item_state_in_conflict ON item_state (item) WHERE conflict = 1;
UPDATE item_state SET last_desk = (SELECT value FROM meta WHERE key = 'desk') WHERE last_seq IS NOT NULL;
