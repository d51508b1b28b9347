-- Alerts, their history, and the outbox's leases (issue 5).
--
-- `alerts` gains where the vessel was (lon/lat) and the zone's class and country, so an
-- alert is complete without a join to zone data. Every status change is a row of
-- `alert_changes` (append-only). The outbox gains the lease holder, the start of the
-- current retry window, and when a delivery went dead; `notify_endpoints` holds the
-- destinations disabled (a webhook answering 410 Gone).

ALTER TABLE alerts
    ADD COLUMN zone_class text,
    ADD COLUMN country text,
    ADD COLUMN lon double precision CHECK (lon BETWEEN -180 AND 180),
    ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90);
CREATE INDEX alerts_status_raised ON alerts (status, raised_at);
CREATE INDEX alerts_kind_raised ON alerts (kind, raised_at);
CREATE INDEX alerts_vessel_raised ON alerts (vessel_id, raised_at);

CREATE TABLE alert_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id     text NOT NULL REFERENCES alerts (id),
    at           timestamptz NOT NULL,
    who          text NOT NULL,
    from_status  text,
    to_status    text NOT NULL CHECK (to_status IN ('open', 'acknowledged', 'resolved')),
    note         text
);
CREATE INDEX alert_changes_alert ON alert_changes (alert_id, id);

-- The history is evidence: nothing edits or deletes it, whatever the role.
CREATE FUNCTION haidang_alert_changes_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'alert_changes is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER alert_changes_no_update_delete
    BEFORE UPDATE OR DELETE ON alert_changes
    FOR EACH ROW EXECUTE FUNCTION haidang_alert_changes_append_only();
CREATE TRIGGER alert_changes_no_truncate
    BEFORE TRUNCATE ON alert_changes
    FOR EACH STATEMENT EXECUTE FUNCTION haidang_alert_changes_append_only();

-- The payload is the exact body a webhook receives and is signed over: kept as text, byte
-- for byte, so that every retry sends the same bytes (jsonb would reorder keys).
ALTER TABLE outbox ALTER COLUMN payload TYPE text USING payload::text;
ALTER TABLE outbox
    ADD COLUMN leased_by text,
    ADD COLUMN retry_since timestamptz,
    ADD COLUMN dead_at timestamptz;
CREATE INDEX outbox_destination ON outbox (destination, status);
CREATE INDEX outbox_dead ON outbox (dead_at) WHERE status = 'dead';

CREATE TABLE notify_endpoints (
    destination  text PRIMARY KEY,
    disabled_at  timestamptz NOT NULL,
    reason       text NOT NULL
);
