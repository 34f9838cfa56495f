-- Custody schema version 14: the trust's view. A verification of the chain (`custody verify`)
-- is a record of its own, `ledger-verified`, with what it found, so that
-- the trust's report can say when each desk last checked its chain and how it stood. And a
-- fifth role, `auditor`: reads everything, changes nothing.

-- SQLite cannot widen a CHECK constraint in place: the records table is rebuilt with the new
-- kind, every row copied as it is (same sequence numbers, same hashes), as in version 13.
DROP VIEW all_records;
DROP TRIGGER records_are_never_updated;
DROP TRIGGER records_are_never_replaced;
DROP TRIGGER records_are_never_deleted;
DROP TRIGGER events_are_never_replaced;
DROP INDEX records_by_subject;
DROP INDEX records_by_kind;

CREATE TABLE records_v14 (
    seq         INTEGER PRIMARY KEY,           -- shares the sequence with events: one chain
    id          BLOB NOT NULL UNIQUE,          -- UUIDv7, unique across desks
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('item-registered', 'item-changed', 'person-registered',
                                              'person-changed', 'container-registered', 'container-changed',
                                              'setting-changed', 'incident-opened', 'incident-noted',
                                              'operator-added', 'operator-changed', 'operator-signed-in',
                                              'operator-sign-in-failed', 'operator-signed-out', 'desk-locked',
                                              'stocktake-started', 'stocktake-sighted', 'stocktake-finished',
                                              'spot-check-drawn', 'spot-check-recorded', 'search-logged',
                                              'item-disposed', 'notice-queued', 'notice-sending',
                                              'notice-sent', 'notice-failed', 'notice-cancelled',
                                              'ledger-verified')),
    subject     TEXT NOT NULL,                 -- the tag, person, container, setting, incident, operator,
                                               -- stocktake, spot check or notice
    body        TEXT NOT NULL,                 -- JSON: the fields registered, or the new values of those changed
    reason      TEXT,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;

INSERT INTO records_v14 SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator,
                               prev_hash, hash FROM records;
DROP TABLE records;
ALTER TABLE records_v14 RENAME TO records;

CREATE INDEX records_by_subject ON records (subject, seq);
CREATE INDEX records_by_kind ON records (kind, seq);

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

CREATE VIEW all_records AS
    SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator, prev_hash, hash FROM records
    UNION ALL
    SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator, prev_hash, hash
    FROM remote_records;

-- The operators' projection, rebuilt to allow the auditor's role (every row copied as it is).
CREATE TABLE operators_v14 (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('operator', 'manager', 'dpo', 'admin', 'auditor')),
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    password        TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failed_at  INTEGER,
    locked_until    INTEGER,
    added_at        INTEGER NOT NULL,
    public_key      TEXT,
    sealed_key      TEXT
) STRICT;

INSERT INTO operators_v14 (id, name, role, active, password, failed_attempts, last_failed_at, locked_until,
                           added_at, public_key, sealed_key)
SELECT id, name, role, active, password, failed_attempts, last_failed_at, locked_until, added_at, public_key,
       sealed_key FROM operators;
DROP TABLE operators;
ALTER TABLE operators_v14 RENAME TO operators;

-- The trust's report reads another desk's stocktakes and spot checks by desk and number (each
-- desk numbers its own from 1, so a number alone would read every desk's).
CREATE INDEX remote_records_by_desk_subject ON remote_records (desk, subject, seq);
