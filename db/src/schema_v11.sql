-- Schema 11: who did what, proven. Each entry of this desk's chain carries its author's Ed25519
-- signature over its hash, kept beside the chain by sequence number (the entry tables and their
-- hashes are unchanged). Each operator's record holds their public key and their private key
-- sealed under a key from their password (see signing.rs).

CREATE TABLE signatures (
    seq INTEGER PRIMARY KEY,
    signature BLOB NOT NULL CHECK (length(signature) = 64)
) STRICT;

CREATE TRIGGER signatures_are_never_updated BEFORE UPDATE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

CREATE TRIGGER signatures_are_never_replaced BEFORE INSERT ON signatures
WHEN EXISTS (SELECT 1 FROM signatures WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

CREATE TRIGGER signatures_are_never_deleted BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are append-only');
END;

ALTER TABLE operators ADD COLUMN public_key TEXT;
ALTER TABLE operators ADD COLUMN sealed_key TEXT;
