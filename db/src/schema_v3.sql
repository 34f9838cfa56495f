-- Custody schema version 3: incidents (rule R9). Like the ledger, incidents and their timelines
-- are append-only: a mistake is put right by a later note.

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,               -- 'INC-2026-0001'
    kind          TEXT NOT NULL CHECK (kind IN ('loss', 'theft', 'disclosure')),
    holder        TEXT REFERENCES people (id),
    container     TEXT REFERENCES containers (id),
    occurred_at   INTEGER NOT NULL,               -- when it happened, as told
    discovered_at INTEGER NOT NULL,               -- when the organisation became aware: the ICO clock starts
    description   TEXT NOT NULL,
    exposure      TEXT NOT NULL,                  -- the exposure at the time, as JSON, as it was then
    recorded_at   INTEGER NOT NULL,
    operator      TEXT NOT NULL
) STRICT;

CREATE TABLE incident_notes (
    incident    TEXT NOT NULL REFERENCES incidents (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('dpo-notified', 'safeguarding-alerted', 'police-reference',
                                              'ico-reported', 'ico-not-reported', 'note')),
    at          INTEGER NOT NULL,                 -- when it happened
    text        TEXT,
    recorded_at INTEGER NOT NULL,
    operator    TEXT NOT NULL,
    PRIMARY KEY (incident, seq)
) STRICT;

CREATE TRIGGER incidents_are_never_updated BEFORE UPDATE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents are append-only: add a note instead'); END;
CREATE TRIGGER incidents_are_never_deleted BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents are append-only: add a note instead'); END;
CREATE TRIGGER incident_notes_are_never_updated BEFORE UPDATE ON incident_notes
BEGIN SELECT RAISE(ABORT, 'incident notes are append-only: add another note'); END;
CREATE TRIGGER incident_notes_are_never_deleted BEFORE DELETE ON incident_notes
BEGIN SELECT RAISE(ABORT, 'incident notes are append-only: add another note'); END;
