-- Custody schema version 5: the register on the record. Registering or changing an item, person
-- or container, changing a setting, and opening an incident or adding to its timeline are
-- records in the ledger: append-only, and chained with the custody events (the two tables share
-- the desk's sequence numbers and one hash chain). The register's tables are their projection.

CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,           -- shares the sequence with events: one chain
    id          BLOB NOT NULL UNIQUE,          -- UUIDv7, unique across desks
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('item-registered', 'item-changed', 'person-registered',
                                              'person-changed', 'container-registered', 'container-changed',
                                              'setting-changed', 'incident-opened', 'incident-noted')),
    subject     TEXT NOT NULL,                 -- the tag, person, container, setting key or incident
    body        TEXT NOT NULL,                 -- JSON: the fields registered, or the new values of those changed
    reason      TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;

CREATE INDEX records_by_subject ON records (subject, seq);

CREATE TRIGGER records_are_never_updated BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'the register''s records are append-only: record a change instead');
END;

CREATE TRIGGER records_are_never_replaced BEFORE INSERT ON records
WHEN EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq OR id = NEW.id)
  OR EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'the register''s records are append-only: record a change instead');
END;

CREATE TRIGGER records_are_never_deleted BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'the register''s records are append-only: record a change instead');
END;

-- The organisation's name and time zone change every label and every time shown: they are
-- settings on the record now, no longer bare rows of `meta` (which keeps the desk's own facts).
INSERT INTO settings (key, value) SELECT key, value FROM meta WHERE key IN ('organisation', 'timezone');
DELETE FROM meta WHERE key IN ('organisation', 'timezone');

-- Exposure asks what a holder lost and never got back: without this, every one of a busy
-- holder's events would be read to find the few losses and thefts among them.
CREATE INDEX events_lost_or_stolen ON events (person, item) WHERE kind IN ('lost', 'stolen');

-- An event may no more take a record's place in the chain than another event's.
DROP TRIGGER events_are_never_replaced;
CREATE TRIGGER events_are_never_replaced BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq OR id = NEW.id)
  OR EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;
