-- Custody schema version 8: other desks' entries applied. What a desk receives from its trust's
-- server is kept column by column in `remote_events` and `remote_records` (schema 7 kept it as
-- JSON), and once a pull has it all, the register and items' states become the replay of every
-- desk's entries. `all_events` and `all_records` are the trust's ledger as one; this desk's own
-- chain is still `events` and `records` alone.

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

-- Other desks' entries, column by column as their desks stored them (`seq` is theirs), each
-- desk's events and records one chain. Schema 7 kept them as JSON (`remote_entries`); they are
-- copied here and that table goes: the hash of each is recomputed from these columns, as for
-- this desk's own. No foreign keys: another desk's event may name a person a third desk
-- registered, which arrives in the same pull.
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

-- Each other desk's chain as held here: its last entry.
CREATE TABLE remote_chains (
    desk TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
) STRICT;

INSERT INTO remote_events (seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, reason,
                           authoriser, container, corrects, note, occurred_at, recorded_at, operator, prev_hash,
                           hash, warnings)
SELECT seq, id, desk, kind, json_extract(body, '$.item'), json_extract(body, '$.person'),
       json_extract(body, '$.from_person'), unhex(replace(json_extract(body, '$.handover'), '-', '')),
       json_extract(body, '$.due_at'), json_extract(body, '$.purpose'), json_extract(body, '$.reason'),
       json_extract(body, '$.authoriser'), json_extract(body, '$.container'),
       unhex(replace(json_extract(body, '$.corrects'), '-', '')), json_extract(body, '$.note'),
       json_extract(body, '$.occurred_at'), json_extract(body, '$.recorded_at'), json_extract(body, '$.operator'),
       prev_hash, hash, json_extract(body, '$.warnings')
FROM remote_entries WHERE entry = 'event';

INSERT INTO remote_records (seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator,
                            prev_hash, hash)
SELECT seq, id, desk, kind, json_extract(body, '$.subject'), json_extract(body, '$.body'),
       json_extract(body, '$.reason'), json_extract(body, '$.occurred_at'), json_extract(body, '$.recorded_at'),
       json_extract(body, '$.operator'), prev_hash, hash
FROM remote_entries WHERE entry = 'record';

INSERT INTO remote_chains (desk, seq, hash)
SELECT desk, seq, hash FROM remote_entries r WHERE seq = (SELECT max(seq) FROM remote_entries WHERE desk = r.desk);

-- Schema 7 kept what it received without applying it: the ledger applies it when it next opens
-- the file (`Ledger::open`), which needs the replay this SQL cannot do.
INSERT INTO meta (key, value) SELECT 'remote-to-apply', '1' WHERE EXISTS (SELECT 1 FROM remote_entries);

DROP TABLE remote_entries;

CREATE INDEX remote_events_by_item_time ON remote_events (item, occurred_at);
CREATE INDEX remote_events_by_person ON remote_events (person, occurred_at) WHERE person IS NOT NULL;
CREATE INDEX remote_events_by_from_person ON remote_events (from_person, occurred_at) WHERE from_person IS NOT NULL;
CREATE INDEX remote_events_by_corrects ON remote_events (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX remote_events_by_container ON remote_events (container) WHERE container IS NOT NULL;
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

-- Each desk's entries arrive in its chain's order: the next number, linked to the one before.
CREATE TRIGGER remote_events_continue_their_chain BEFORE INSERT ON remote_events
WHEN NEW.seq <> 1 + coalesce((SELECT seq FROM remote_chains WHERE desk = NEW.desk), 0)
  OR NEW.prev_hash <> coalesce((SELECT hash FROM remote_chains WHERE desk = NEW.desk), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'another desk''s entry must continue its chain');
END;

CREATE TRIGGER remote_records_continue_their_chain BEFORE INSERT ON remote_records
WHEN NEW.seq <> 1 + coalesce((SELECT seq FROM remote_chains WHERE desk = NEW.desk), 0)
  OR NEW.prev_hash <> coalesce((SELECT hash FROM remote_chains WHERE desk = NEW.desk), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'another desk''s entry must continue its chain');
END;

CREATE TRIGGER remote_events_move_their_chain AFTER INSERT ON remote_events
BEGIN
    INSERT INTO remote_chains (desk, seq, hash) VALUES (NEW.desk, NEW.seq, NEW.hash)
    ON CONFLICT (desk) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
END;

CREATE TRIGGER remote_records_move_their_chain AFTER INSERT ON remote_records
BEGIN
    INSERT INTO remote_chains (desk, seq, hash) VALUES (NEW.desk, NEW.seq, NEW.hash)
    ON CONFLICT (desk) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
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

-- The current state of each item, rebuilt: which desk's event it comes from, whether desks
-- disagree about the item (two desks, apart, moved it in ways that cannot both be true: set by
-- the replay, cleared when a correction leaves a replay without such a move), and no foreign keys
-- to people and containers, since a state replayed from another desk's events may name a person
-- whose registration (by a third desk) arrives later in the same pull.
CREATE TABLE item_state_v8 (
    item             TEXT PRIMARY KEY REFERENCES items (tag),
    status           TEXT NOT NULL CHECK (status IN ('in', 'out', 'lost', 'stolen', 'retired')),
    holder           TEXT,
    since            INTEGER,
    due_at           INTEGER,
    container        TEXT,
    last_seq         INTEGER,
    last_occurred_at INTEGER,
    last_desk        TEXT,
    conflict         INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1))
) STRICT, WITHOUT ROWID;

INSERT INTO item_state_v8 (item, status, holder, since, due_at, container, last_seq, last_occurred_at, last_desk)
SELECT item, status, holder, since, due_at, container, last_seq, last_occurred_at,
       CASE WHEN last_seq IS NOT NULL THEN (SELECT value FROM meta WHERE key = 'desk') END
FROM item_state;
DROP TABLE item_state;
ALTER TABLE item_state_v8 RENAME TO item_state;

CREATE INDEX item_state_by_status ON item_state (status, due_at);
CREATE INDEX item_state_by_holder ON item_state (holder) WHERE holder IS NOT NULL;
CREATE INDEX item_state_in_conflict ON item_state (item) WHERE conflict = 1;
