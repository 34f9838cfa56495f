-- Custody schema version 13: overdue notices on the record. Each notice a desk queues for a
-- holder (who, which items, which stage), each send begun (claimed before the mail server is
-- asked, so that no two senders take one notice) and how it ended (sent, or why not), is a record
-- like the workflows': one hash chain, append-only, synced, so that every desk of a trust sees
-- which notices went and none is sent twice. A notice no longer true when its turn comes (the
-- items are back, notices were turned off) is cancelled, with why. They have no projection of
-- their own.

-- SQLite cannot widen a CHECK constraint in place: the records table is rebuilt with the new
-- kinds, every row copied as it is (same sequence numbers, same hashes), as in version 9. The
-- view over every desk's records and the guards are made again below, as version 10 left them.
DROP VIEW all_records;
DROP TRIGGER records_are_never_updated;
DROP TRIGGER records_are_never_replaced;
DROP TRIGGER records_are_never_deleted;
DROP TRIGGER events_are_never_replaced;
DROP INDEX records_by_subject;
DROP INDEX records_by_kind;

CREATE TABLE records_v13 (
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
                                              'notice-sent', 'notice-failed', 'notice-cancelled')),
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

INSERT INTO records_v13 SELECT seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator,
                               prev_hash, hash FROM records;
DROP TABLE records;
ALTER TABLE records_v13 RENAME TO records;

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
