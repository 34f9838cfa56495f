-- Custody schema version 2: the people register (home working), policy settings, and the
-- warnings a clerk acknowledged on a sign-out.

-- Dates are 'YYYY-MM-DD' (a day, not a moment).
ALTER TABLE people ADD COLUMN agreement_signed TEXT;
ALTER TABLE people ADD COLUMN agreement_review TEXT;
ALTER TABLE people ADD COLUMN assessment_done TEXT;
ALTER TABLE people ADD COLUMN assessment_review TEXT;
ALTER TABLE people ADD COLUMN assessment_ref TEXT;
ALTER TABLE people ADD COLUMN training TEXT;

-- Which policy rules block and which only warn; a rule without a row has its default.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Acknowledged warnings, one per line: 'R6: Sam Jones has no home-working agreement...'.
-- Part of the event's hash when present.
ALTER TABLE events ADD COLUMN warnings TEXT;
