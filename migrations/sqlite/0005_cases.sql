-- Consular cases and the crew-data access log (issue 7): the SQLite dialect of
-- migrations/postgres/0005_cases.sql.
--
-- A case is a detained crew's file: the vessel, where and when it was detained, by whom,
-- the responsible mission, a status, a timeline and linked alerts. Crew members are
-- personal data: they are read only through the store's `read_crew`, which writes a row
-- of `crew_access_log` in the same transaction. The log is insert-only.

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    opened_us            INTEGER NOT NULL,
    opened_by            TEXT NOT NULL,
    vessel_key           TEXT,
    detained_us          INTEGER,
    lon                  REAL CHECK (lon BETWEEN -180 AND 180),
    lat                  REAL CHECK (lat BETWEEN -90 AND 90),
    place                TEXT,
    detaining_country    TEXT,
    detaining_authority  TEXT,
    mission              TEXT NOT NULL,
    province             TEXT,
    status               TEXT NOT NULL DEFAULT 'reported' CHECK (status IN ('reported',
                           'verified', 'consular_access', 'legal_proceedings', 'released',
                           'repatriated', 'closed')),
    closed_reason        TEXT,
    updated_us           INTEGER NOT NULL
);
CREATE INDEX cases_mission ON cases (mission, id);

CREATE TABLE case_crew (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    name            TEXT NOT NULL,
    date_of_birth   TEXT,
    id_number       TEXT,
    home_town       TEXT,
    family_contact  TEXT,
    added_us        INTEGER NOT NULL,
    added_by        TEXT NOT NULL
);
CREATE INDEX case_crew_case ON case_crew (case_id, id);

CREATE TABLE case_events (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    at_us        INTEGER NOT NULL,
    who          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT,
    from_status  TEXT,
    to_status    TEXT
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: UPDATE refused');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: DELETE refused');
END;

CREATE TABLE case_alerts (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    alert_id   TEXT NOT NULL REFERENCES alerts (id),
    linked_us  INTEGER NOT NULL,
    PRIMARY KEY (case_id, alert_id)
);

CREATE TABLE crew_access_log (
    id        INTEGER PRIMARY KEY,
    at_us     INTEGER NOT NULL,
    who       TEXT NOT NULL,
    role      TEXT NOT NULL,
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    action    TEXT NOT NULL CHECK (action IN ('read', 'export')),
    fields    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    records   INTEGER NOT NULL
);
CREATE INDEX crew_access_log_case ON crew_access_log (case_id, id);
CREATE TRIGGER crew_access_log_no_update BEFORE UPDATE ON crew_access_log
BEGIN
    SELECT RAISE(ABORT, 'crew_access_log is append-only: UPDATE refused');
END;
CREATE TRIGGER crew_access_log_no_delete BEFORE DELETE ON crew_access_log
BEGIN
    SELECT RAISE(ABORT, 'crew_access_log is append-only: DELETE refused');
END;
