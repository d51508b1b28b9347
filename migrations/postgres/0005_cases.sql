-- Consular cases and the crew-data access log (issue 7).
--
-- A case is a detained crew's file: the vessel, where and when it was detained, by whom,
-- the responsible mission, a status, a timeline and linked alerts. Crew members are
-- personal data: they are read only through the store's `read_crew`, which writes a row
-- of `crew_access_log` in the same transaction. The log and the timeline are insert-only:
-- triggers refuse UPDATE, DELETE and TRUNCATE for every role, the owner included.

CREATE TABLE cases (
    id                   bigserial PRIMARY KEY,
    opened_at            timestamptz NOT NULL,
    opened_by            text NOT NULL,
    vessel_key           text,
    detained_at          timestamptz,
    lon                  double precision CHECK (lon BETWEEN -180 AND 180),
    lat                  double precision CHECK (lat BETWEEN -90 AND 90),
    place                text,
    detaining_country    text,
    detaining_authority  text,
    mission              text NOT NULL,
    province             text,
    status               text NOT NULL DEFAULT 'reported' CHECK (status IN ('reported',
                           'verified', 'consular_access', 'legal_proceedings', 'released',
                           'repatriated', 'closed')),
    closed_reason        text,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX cases_mission ON cases (mission, id);

CREATE TABLE case_crew (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases (id),
    name            text NOT NULL,
    date_of_birth   text,
    id_number       text,
    home_town       text,
    family_contact  text,
    added_at        timestamptz NOT NULL,
    added_by        text NOT NULL
);
CREATE INDEX case_crew_case ON case_crew (case_id, id);

CREATE TABLE case_events (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    at           timestamptz NOT NULL,
    who          text NOT NULL,
    kind         text NOT NULL,
    text         text,
    from_status  text,
    to_status    text
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_alerts (
    case_id    bigint NOT NULL REFERENCES cases (id),
    alert_id   text NOT NULL REFERENCES alerts (id),
    linked_at  timestamptz NOT NULL,
    PRIMARY KEY (case_id, alert_id)
);

CREATE TABLE crew_access_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    who       text NOT NULL,
    role      text NOT NULL,
    case_id   bigint NOT NULL REFERENCES cases (id),
    action    text NOT NULL CHECK (action IN ('read', 'export')),
    fields    text NOT NULL,
    reason    text NOT NULL,
    records   integer NOT NULL
);
CREATE INDEX crew_access_log_case ON crew_access_log (case_id, id);

CREATE FUNCTION haidang_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER crew_access_log_no_update_delete
    BEFORE UPDATE OR DELETE ON crew_access_log
    FOR EACH ROW EXECUTE FUNCTION haidang_append_only();
CREATE TRIGGER crew_access_log_no_truncate
    BEFORE TRUNCATE ON crew_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION haidang_append_only();
CREATE TRIGGER case_events_no_update_delete
    BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION haidang_append_only();
CREATE TRIGGER case_events_no_truncate
    BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION haidang_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON crew_access_log, case_events FROM PUBLIC;
