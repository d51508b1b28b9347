-- Alerts, their history, and the outbox's leases (issue 5): the SQLite dialect of
-- migrations/postgres/0003_alerts.sql.
--
-- `alerts` gains where the vessel was (lon/lat) and the zone's class and country, so an
-- alert is complete without a join to zone data. Every status change is a row of
-- `alert_changes` (append-only). The outbox gains the lease holder, the start of the
-- current retry window, and when a delivery went dead; `notify_endpoints` holds the
-- destinations disabled (a webhook answering 410 Gone).

ALTER TABLE alerts ADD COLUMN zone_class TEXT;
ALTER TABLE alerts ADD COLUMN country TEXT;
ALTER TABLE alerts ADD COLUMN lon REAL CHECK (lon BETWEEN -180 AND 180);
ALTER TABLE alerts ADD COLUMN lat REAL CHECK (lat BETWEEN -90 AND 90);
CREATE INDEX alerts_status_raised ON alerts (status, raised_us);
CREATE INDEX alerts_kind_raised ON alerts (kind, raised_us);
CREATE INDEX alerts_vessel_raised ON alerts (vessel_id, raised_us);

CREATE TABLE alert_changes (
    id           INTEGER PRIMARY KEY,
    alert_id     TEXT NOT NULL REFERENCES alerts (id),
    at_us        INTEGER NOT NULL,
    who          TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL CHECK (to_status IN ('open', 'acknowledged', 'resolved')),
    note         TEXT
);
CREATE INDEX alert_changes_alert ON alert_changes (alert_id, id);

-- The history is evidence: nothing edits or deletes it.
CREATE TRIGGER alert_changes_no_update BEFORE UPDATE ON alert_changes
BEGIN
    SELECT RAISE(ABORT, 'alert_changes is append-only: UPDATE refused');
END;
CREATE TRIGGER alert_changes_no_delete BEFORE DELETE ON alert_changes
BEGIN
    SELECT RAISE(ABORT, 'alert_changes is append-only: DELETE refused');
END;

ALTER TABLE outbox ADD COLUMN leased_by TEXT;
ALTER TABLE outbox ADD COLUMN retry_since_us INTEGER;
ALTER TABLE outbox ADD COLUMN dead_us INTEGER;
CREATE INDEX outbox_destination ON outbox (destination, status);
CREATE INDEX outbox_dead ON outbox (dead_us) WHERE status = 'dead';

CREATE TABLE notify_endpoints (
    destination  TEXT PRIMARY KEY,
    disabled_us  INTEGER NOT NULL,
    reason       TEXT NOT NULL
);
