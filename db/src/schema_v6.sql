-- Custody schema version 6: operators. The staff who use Custody sign in; each has a role, and
-- adding one, changing a role, disabling, resetting a password, signing in and out, a locked desk
-- and a failed attempt are records in the ledger. `operators` is their projection.

-- SQLite cannot widen a CHECK constraint in place: the records table is rebuilt with the new
-- kinds, every row copied as it is (same sequence numbers, same hashes). The guards are dropped
-- only for the copy, inside the migration's transaction, and made again below.
DROP TRIGGER records_are_never_updated;
DROP TRIGGER records_are_never_replaced;
DROP TRIGGER records_are_never_deleted;
DROP TRIGGER events_are_never_replaced;
DROP INDEX records_by_subject;

CREATE TABLE records_v6 (
    seq         INTEGER PRIMARY KEY,           -- shares the sequence with events: one chain
    id          BLOB NOT NULL UNIQUE,          -- UUIDv7, unique across desks
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('item-registered', 'item-changed', 'person-registered',
                                              'person-changed', 'container-registered', 'container-changed',
                                              'setting-changed', 'incident-opened', 'incident-noted',
                                              'operator-added', 'operator-changed', 'operator-signed-in',
                                              'operator-sign-in-failed', 'operator-signed-out', 'desk-locked')),
    subject     TEXT NOT NULL,                 -- the tag, person, container, setting key, incident or operator
    body        TEXT NOT NULL,                 -- JSON: the fields registered, or the new values of those changed
    reason      TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;

INSERT INTO records_v6 SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator,
                              prev_hash, hash FROM records;
DROP TABLE records;
ALTER TABLE records_v6 RENAME TO records;

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

CREATE TRIGGER events_are_never_replaced BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq OR id = NEW.id)
  OR EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only: record a correction instead');
END;

-- The projection of the operators' records. `password` is an Argon2id PHC string, never a
-- password; `failed_attempts` counts wrong passwords in a row and `locked_until` (Unix ms) is
-- set after too many, so both survive a restart.
CREATE TABLE operators (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('operator', 'manager', 'dpo', 'admin')),
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    password        TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failed_at  INTEGER,
    locked_until    INTEGER,
    added_at        INTEGER NOT NULL
) STRICT;
