-- Schema 12: signatures travel with the entries a desk receives. Each other desk's entry, kept
-- in `remote_events` / `remote_records`, keeps its author's signature here (entries recorded
-- before that desk began signing have none). A pull checks each one before keeping anything;
-- `verify` checks them again.

CREATE TABLE remote_signatures (
    desk      TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    signature BLOB NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (desk, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER remote_signatures_are_never_updated BEFORE UPDATE ON remote_signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

CREATE TRIGGER remote_signatures_are_never_replaced BEFORE INSERT ON remote_signatures
WHEN EXISTS (SELECT 1 FROM remote_signatures WHERE desk = NEW.desk AND seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

CREATE TRIGGER remote_signatures_are_never_deleted BEFORE DELETE ON remote_signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;
