-- Custody schema version 4: the last of R5's four categories, anonymised data whose
-- anonymisation technique is not approved.

ALTER TABLE items ADD COLUMN anonymised_unapproved INTEGER NOT NULL DEFAULT 0
    CHECK (anonymised_unapproved IN (0, 1));
