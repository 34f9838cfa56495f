-- Custody schema version 7: other desks' entries. A desk that syncs through its trust's server
-- keeps every other desk's custody events and register records as they came, each desk's in its
-- own chain (checked as it arrives and by `verify`): append-only, like the desk's own ledger.

CREATE TABLE remote_entries (
    desk        TEXT NOT NULL,                 -- the other desk's id
    seq         INTEGER NOT NULL,              -- its sequence number there
    id          BLOB NOT NULL UNIQUE,          -- the entry's UUIDv7
    entry       TEXT NOT NULL CHECK (entry IN ('event', 'record')),
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,                 -- every column, as JSON, as that desk stored it
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (desk, seq)
) STRICT;

CREATE TRIGGER remote_entries_are_never_updated BEFORE UPDATE ON remote_entries
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

CREATE TRIGGER remote_entries_are_never_deleted BEFORE DELETE ON remote_entries
BEGIN
    SELECT RAISE(ABORT, 'other desks'' entries are append-only');
END;

-- Each desk's entries arrive in its chain's order: the next number, linked to the one before.
CREATE TRIGGER remote_entries_continue_their_chain BEFORE INSERT ON remote_entries
WHEN NEW.seq <> 1 + coalesce((SELECT max(seq) FROM remote_entries WHERE desk = NEW.desk), 0)
  OR NEW.prev_hash <> coalesce((SELECT hash FROM remote_entries WHERE desk = NEW.desk ORDER BY seq DESC LIMIT 1),
                               zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'another desk''s entry must continue its chain');
END;
