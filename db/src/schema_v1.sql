-- Custody schema version 1. Times are UTC milliseconds since the Unix epoch.

-- Facts about this database: organisation, time zone, this desk's id.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE items (
    tag              TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('laptop', 'chromebook', 'tablet', 'phone',
                                                   'paper-file', 'removable-media', 'other')),
    name             TEXT NOT NULL,
    serial           TEXT,
    encrypted        INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
    data_categories  TEXT NOT NULL DEFAULT '',   -- comma-separated, e.g. 'contact,health'
    data_subjects    INTEGER NOT NULL DEFAULT 0 CHECK (data_subjects >= 0),
    special_category INTEGER NOT NULL DEFAULT 0 CHECK (special_category IN (0, 1)),
    safeguarding     INTEGER NOT NULL DEFAULT 0 CHECK (safeguarding IN (0, 1)),
    confidential     INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
    added_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE people (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    email    TEXT,
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    added_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE containers (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('bag', 'case', 'car', 'other')),
    name     TEXT NOT NULL,
    added_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The custody ledger: append-only, one row per item per event, hash-chained in seq order.
CREATE TABLE events (
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
    corrects    BLOB REFERENCES events (id),   -- correction: the event it voids
    note        TEXT,
    occurred_at INTEGER NOT NULL,              -- when it happened, as told
    recorded_at INTEGER NOT NULL,              -- when this desk wrote it
    operator    TEXT NOT NULL,                 -- who recorded it
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;

CREATE INDEX events_by_item ON events (item, seq);
CREATE INDEX events_by_person ON events (person, occurred_at) WHERE person IS NOT NULL;
CREATE INDEX events_by_from_person ON events (from_person, occurred_at) WHERE from_person IS NOT NULL;
CREATE INDEX events_by_corrects ON events (corrects) WHERE corrects IS NOT NULL;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

-- INSERT OR REPLACE deletes the old row without firing the delete trigger on a connection
-- without recursive_triggers; refusing the insert itself closes that door on every connection.
CREATE TRIGGER events_are_never_replaced BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq OR id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

-- Current state of each item: a projection of the ledger, updated in the same transaction as
-- each event; `custody verify` checks that it equals a full replay.
CREATE TABLE item_state (
    item             TEXT PRIMARY KEY REFERENCES items (tag),
    status           TEXT NOT NULL CHECK (status IN ('in', 'out', 'lost', 'stolen', 'retired')),
    holder           TEXT REFERENCES people (id),
    since            INTEGER,
    due_at           INTEGER,
    container        TEXT REFERENCES containers (id),
    last_seq         INTEGER,
    last_occurred_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX item_state_by_status ON item_state (status, due_at);
CREATE INDEX item_state_by_holder ON item_state (holder) WHERE holder IS NOT NULL;
