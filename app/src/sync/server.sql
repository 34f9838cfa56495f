-- Custody's schema on the trust's PostgreSQL server (`custody server init`). Each desk pushes its
-- own ledger entries (custody events and register records) and reads everyone's. The table is
-- append-only, a desk may insert only as itself, and each desk's entries must continue its own
-- hash chain: a gap or a fork is refused, never overwritten.

CREATE TABLE IF NOT EXISTS custody_schema (version integer NOT NULL);
INSERT INTO custody_schema (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM custody_schema);

-- The group every desk's login role belongs to. Roles belong to the whole server: another
-- database's `init` may have made it, or be making it at this moment (then the catalogue's own
-- unique index speaks, not CREATE ROLE).
DO $$ BEGIN
    CREATE ROLE custody_desk NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;


-- Desks the trust has added: a name, the login role it pushes as, and (from its first push) the
-- desk's own id.
CREATE TABLE IF NOT EXISTS custody_desks (
    name     text PRIMARY KEY,
    login    text NOT NULL UNIQUE,
    added_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS custody_entries (
    login       text NOT NULL DEFAULT current_user,
    desk        uuid NOT NULL,                   -- the desk's own id (its database's)
    seq         bigint NOT NULL,                 -- the desk's sequence number
    id          uuid NOT NULL UNIQUE,            -- the entry's UUIDv7
    entry       text NOT NULL CHECK (entry IN ('event', 'record')),
    kind        text NOT NULL,
    body        jsonb NOT NULL,                  -- every column, as the desk stores it
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (desk, seq)
);
-- Each entry's author's Ed25519 signature of its hash (none before its desk began signing).
-- The server cannot check it; every desk checks it before keeping the entry.
ALTER TABLE custody_entries ADD COLUMN IF NOT EXISTS signature bytea
    CHECK (signature IS NULL OR length(signature) = 64);

-- Which login pushes which desk's chain: bound by the chain's first entry, for good. Each check
-- an arriving entry makes is then one index lookup in a small table, so a push costs the same
-- on a server holding millions of entries as on an empty one (a search of the entries for a
-- login that has none would read them all).
CREATE TABLE IF NOT EXISTS custody_chains (
    desk  uuid PRIMARY KEY,
    login text NOT NULL UNIQUE DEFAULT current_user
);

-- The trust's root key: the key its first administrator signed with, which every desk's entries
-- are signed under. Published by the founding desk on its first sync, never changed; a joining
-- desk takes it from here (and prints its fingerprint, to check against the DPO's paper copy).
CREATE TABLE IF NOT EXISTS custody_trust (
    root_key bytea NOT NULL CHECK (length(root_key) = 32),
    login    text NOT NULL DEFAULT current_user,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS custody_trust_has_one_root ON custody_trust ((true));

-- A push that sent something: one row each, so that `custody server desks` can say when each
-- desk last sent entries.
CREATE TABLE IF NOT EXISTS custody_pushes (
    login  text NOT NULL DEFAULT current_user,
    desk   uuid NOT NULL,
    head   bigint NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION custody_entry_arrives() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    same custody_entries;
    head custody_entries;
    other_desk uuid;
    owner text;
BEGIN
    IF NEW.login <> current_user THEN
        RAISE EXCEPTION 'custody: % may push only its own entries, not %''s', current_user, NEW.login;
    END IF;
    -- One login, one desk's chain, and the other way round.
    SELECT desk INTO other_desk FROM custody_chains WHERE login = NEW.login;
    IF FOUND AND other_desk <> NEW.desk THEN
        RAISE EXCEPTION 'custody: the login % already pushes for desk %, not %', NEW.login, other_desk, NEW.desk;
    END IF;
    SELECT login INTO owner FROM custody_chains WHERE desk = NEW.desk;
    IF FOUND AND owner <> NEW.login THEN
        RAISE EXCEPTION 'custody: desk %''s chain is pushed by %, not by %', NEW.desk, owner, NEW.login;
    END IF;
    -- The same entry again (a retry after a lost acknowledgement): nothing to do.
    SELECT * INTO same FROM custody_entries WHERE id = NEW.id;
    IF FOUND THEN
        IF same.desk = NEW.desk AND same.seq = NEW.seq AND same.hash = NEW.hash THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'custody: entry % is already on the server with other contents', NEW.id;
    END IF;
    SELECT * INTO head FROM custody_entries WHERE desk = NEW.desk ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        IF NEW.seq <> 1 OR NEW.prev_hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea THEN
            RAISE EXCEPTION 'custody: gap: desk %''s first entry on the server must be number 1, not %', NEW.desk, NEW.seq;
        END IF;
        INSERT INTO custody_chains (desk, login) VALUES (NEW.desk, NEW.login);
    ELSIF NEW.seq <= head.seq THEN
        RAISE EXCEPTION 'custody: fork: desk % already has entry % on the server, a different one', NEW.desk, NEW.seq;
    ELSIF NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
        RAISE EXCEPTION 'custody: gap: desk %''s entry % does not continue its chain (the server has up to %)',
            NEW.desk, NEW.seq, head.seq;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custody: the ledger on the server is append-only: % refused', TG_OP;
END $$;

DROP TRIGGER IF EXISTS custody_entry_arrives ON custody_entries;
CREATE TRIGGER custody_entry_arrives BEFORE INSERT ON custody_entries
    FOR EACH ROW EXECUTE FUNCTION custody_entry_arrives();
DROP TRIGGER IF EXISTS custody_entries_append_only ON custody_entries;
CREATE TRIGGER custody_entries_append_only BEFORE UPDATE OR DELETE ON custody_entries
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
DROP TRIGGER IF EXISTS custody_entries_never_truncated ON custody_entries;
CREATE TRIGGER custody_entries_never_truncated BEFORE TRUNCATE ON custody_entries
    FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only();
DROP TRIGGER IF EXISTS custody_chains_append_only ON custody_chains;
CREATE TRIGGER custody_chains_append_only BEFORE UPDATE OR DELETE ON custody_chains
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
DROP TRIGGER IF EXISTS custody_trust_never_changes ON custody_trust;
CREATE TRIGGER custody_trust_never_changes BEFORE UPDATE OR DELETE ON custody_trust
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
DROP TRIGGER IF EXISTS custody_pushes_append_only ON custody_pushes;
CREATE TRIGGER custody_pushes_append_only BEFORE UPDATE OR DELETE ON custody_pushes
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();

-- Row-level security: a desk inserts only as itself and reads every desk's entries.
ALTER TABLE custody_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE custody_pushes ENABLE ROW LEVEL SECURITY;
ALTER TABLE custody_chains ENABLE ROW LEVEL SECURITY;
ALTER TABLE custody_trust ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS trust_read_all ON custody_trust;
CREATE POLICY trust_read_all ON custody_trust FOR SELECT TO custody_desk USING (true);
DROP POLICY IF EXISTS trust_published_once ON custody_trust;
CREATE POLICY trust_published_once ON custody_trust FOR INSERT TO custody_desk WITH CHECK (login = current_user);
DROP POLICY IF EXISTS chains_read_all ON custody_chains;
CREATE POLICY chains_read_all ON custody_chains FOR SELECT TO custody_desk USING (true);
DROP POLICY IF EXISTS chains_insert_own ON custody_chains;
CREATE POLICY chains_insert_own ON custody_chains FOR INSERT TO custody_desk WITH CHECK (login = current_user);
DROP POLICY IF EXISTS desks_read_all ON custody_entries;
CREATE POLICY desks_read_all ON custody_entries FOR SELECT TO custody_desk USING (true);
DROP POLICY IF EXISTS desks_insert_own ON custody_entries;
CREATE POLICY desks_insert_own ON custody_entries FOR INSERT TO custody_desk WITH CHECK (login = current_user);
DROP POLICY IF EXISTS pushes_read_all ON custody_pushes;
CREATE POLICY pushes_read_all ON custody_pushes FOR SELECT TO custody_desk USING (true);
DROP POLICY IF EXISTS pushes_insert_own ON custody_pushes;
CREATE POLICY pushes_insert_own ON custody_pushes FOR INSERT TO custody_desk WITH CHECK (login = current_user);

REVOKE ALL ON custody_entries, custody_pushes, custody_chains, custody_desks, custody_schema, custody_trust FROM PUBLIC;
GRANT SELECT, INSERT ON custody_entries, custody_pushes, custody_chains, custody_trust TO custody_desk;
GRANT SELECT ON custody_desks, custody_schema TO custody_desk;

-- ---- Views for the DPO's reporting tools (psql, a spreadsheet's PostgreSQL connection) ----
-- Read the entries as they came from the desks. The desks' own answers (custody status,
-- exposure) are the authority; these follow the same rules in SQL: corrected events do not
-- count, an item's events are taken in the order they happened, and its profile is its records
-- folded field by field, the latest winning.

-- Every event from every desk, one column per field, times as timestamps.
-- An auditor's login reads the views and no table (`custody server add-auditor`): the views
-- that filter the entries are security barriers, so that a function of the auditor's own in a
-- query's condition never sees a row the view leaves out.
CREATE OR REPLACE VIEW custody_events WITH (security_barrier) AS
SELECT d.name AS desk, e.seq, e.id, e.kind,
       e.body->>'item' AS item, e.body->>'person' AS person, e.body->>'from_person' AS from_person,
       e.body->>'container' AS container, e.body->>'purpose' AS purpose, e.body->>'reason' AS reason,
       to_timestamp((e.body->>'occurred_at')::bigint / 1000.0) AS occurred_at,
       to_timestamp((e.body->>'recorded_at')::bigint / 1000.0) AS recorded_at,
       to_timestamp((e.body->>'due_at')::bigint / 1000.0) AS due_at,
       (e.body->>'corrects')::uuid AS corrects, e.body->>'operator' AS operator
FROM custody_entries e
JOIN custody_chains c ON c.desk = e.desk
JOIN custody_desks d ON d.login = c.login
WHERE e.entry = 'event';

-- The events that count: not corrections, and not voided by one.
CREATE OR REPLACE VIEW custody_effective_events AS
SELECT * FROM custody_events ev
WHERE ev.kind <> 'correction'
  AND NOT EXISTS (SELECT 1 FROM custody_events c WHERE c.corrects = ev.id);

-- Each item's profile now: its records' fields, the latest of each winning.
CREATE OR REPLACE VIEW custody_items WITH (security_barrier) AS
SELECT r.body->>'subject' AS tag,
       jsonb_object_agg(f.key, f.value ORDER BY (r.body->>'recorded_at')::bigint, r.desk, r.seq) AS profile
FROM custody_entries r, jsonb_each((r.body->>'body')::jsonb) f
WHERE r.entry = 'record' AND r.kind IN ('item-registered', 'item-changed')
GROUP BY r.body->>'subject';

-- Every custody: who held which item from when until when, how it ended, and what the item
-- carries (its profile now). A loss or theft ends the custody at the moment it went (ended_by
-- 'lost' or 'stolen'): finding the item does not resume it, only a new sign-out does.
CREATE OR REPLACE VIEW custody_periods AS
SELECT p.item, p.person AS holder, p.desk, p.occurred_at AS held_from,
       p.next_at AS held_until,
       coalesce(p.next_kind, 'still out') AS ended_by, p.due_at,
       i.profile->>'kind' AS kind, i.profile->>'name' AS name,
       (i.profile->>'encrypted')::boolean AS encrypted,
       (i.profile->>'data_subjects')::integer AS data_subjects,
       (i.profile->>'special_category')::boolean AS special_category,
       (i.profile->>'safeguarding')::boolean AS safeguarding
FROM (
    SELECT ev.*,
           lead(ev.kind) OVER w AS next_kind,
           lead(ev.occurred_at) OVER w AS next_at
    FROM custody_effective_events ev
    WINDOW w AS (PARTITION BY ev.item ORDER BY ev.occurred_at, ev.recorded_at, ev.desk, ev.seq)
) p
LEFT JOIN custody_items i ON i.tag = p.item
WHERE p.kind IN ('sign-out', 'transfer');

-- What is out now, with whom and until when.
CREATE OR REPLACE VIEW custody_now AS
SELECT item, holder, desk, held_from AS out_since, due_at, kind, name, encrypted, data_subjects,
       special_category, safeguarding
FROM custody_periods WHERE ended_by = 'still out';

-- What is out past its due date now.
CREATE OR REPLACE VIEW custody_overdue AS
SELECT *, now() - due_at AS late_by FROM custody_now WHERE due_at < now();

GRANT SELECT ON custody_events, custody_effective_events, custody_items, custody_periods, custody_now,
    custody_overdue TO custody_desk;

-- The trust's view now, a row per desk (as the desks' `report trust` counts a loan: at the desk
-- that recorded it). Unencrypted: a device (not paper or other) that carries personal data and is
-- not recorded as encrypted.
CREATE OR REPLACE VIEW custody_trust_now AS
SELECT n.desk,
       count(*) AS out_now,
       count(*) FILTER (WHERE n.kind NOT IN ('paper-file', 'other') AND NOT coalesce(n.encrypted, false)
                        AND (coalesce(n.data_subjects, 0) > 0 OR coalesce(n.special_category, false)
                             OR coalesce(n.safeguarding, false)
                             OR jsonb_array_length(coalesce(i.profile->'data_categories', '[]'::jsonb)) > 0))
           AS out_unencrypted,
       count(*) FILTER (WHERE coalesce(n.special_category, false) OR coalesce(n.safeguarding, false))
           AS out_special_or_safeguarding,
       count(*) FILTER (WHERE n.due_at < now()) AS overdue_now,
       (max(extract(day FROM now() - n.due_at)) FILTER (WHERE n.due_at < now()))::integer AS longest_overdue_days
FROM custody_now n LEFT JOIN custody_items i ON i.tag = n.item
GROUP BY n.desk;

-- Sign-outs month by month, by desk (months in the server's time zone).
CREATE OR REPLACE VIEW custody_sign_outs_by_month AS
SELECT desk, date_trunc('month', occurred_at)::date AS month, count(*) AS sign_outs
FROM custody_effective_events WHERE kind = 'sign-out'
GROUP BY desk, date_trunc('month', occurred_at);

GRANT SELECT ON custody_trust_now, custody_sign_outs_by_month TO custody_desk;
