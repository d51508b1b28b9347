-- Compliance cases (issue 8): the SQLite dialect of migrations/postgres/0007_compliance.sql.
CREATE TABLE compliance_cases (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('vms_loss', 'boundary')),
    vessel_id       INTEGER REFERENCES vessels (id),
    alert_id        TEXT NOT NULL UNIQUE REFERENCES alerts (id),
    escalated_by    TEXT REFERENCES alerts (id),
    bucket          TEXT CHECK (bucket IN ('6h_10d', 'over_10d')),
    zone_id         TEXT,
    zone_class      TEXT,
    country         TEXT,
    detected_us     INTEGER NOT NULL,
    opened_us       INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'detected'
                    CHECK (status IN ('detected', 'verified', 'sanctioned', 'closed')),
    decision_number TEXT,
    amount_vnd      INTEGER CHECK (amount_vnd >= 0),
    decided_on      TEXT,
    payment_proof   TEXT,
    closed_reason   TEXT CHECK (closed_reason IN
                    ('provider_outage', 'force_majeure', 'at_port', 'no_violation', 'other')),
    updated_us      INTEGER NOT NULL
);
CREATE INDEX compliance_cases_detected ON compliance_cases (detected_us);
CREATE INDEX compliance_cases_vessel ON compliance_cases (vessel_id, kind, status);

CREATE TABLE compliance_changes (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES compliance_cases (id),
    at_us        INTEGER NOT NULL,
    who          TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    note         TEXT
);
CREATE INDEX compliance_changes_case ON compliance_changes (case_id, id);

CREATE TABLE manual_reports (
    id           INTEGER PRIMARY KEY,
    vessel_id    INTEGER NOT NULL REFERENCES vessels (id),
    fix_us       INTEGER NOT NULL,
    received_us  INTEGER NOT NULL,
    lon          REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat          REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    channel      TEXT NOT NULL CHECK (channel IN ('radio', 'phone', 'other')),
    recorded_by  TEXT NOT NULL,
    note         TEXT
);
CREATE INDEX manual_reports_vessel ON manual_reports (vessel_id, fix_us);

CREATE TRIGGER compliance_changes_no_update BEFORE UPDATE ON compliance_changes
BEGIN SELECT RAISE(ABORT, 'compliance_changes is append-only: UPDATE refused'); END;
CREATE TRIGGER compliance_changes_no_delete BEFORE DELETE ON compliance_changes
BEGIN SELECT RAISE(ABORT, 'compliance_changes is append-only: DELETE refused'); END;
CREATE TRIGGER manual_reports_no_update BEFORE UPDATE ON manual_reports
BEGIN SELECT RAISE(ABORT, 'manual_reports is append-only: UPDATE refused'); END;
CREATE TRIGGER manual_reports_no_delete BEFORE DELETE ON manual_reports
BEGIN SELECT RAISE(ABORT, 'manual_reports is append-only: DELETE refused'); END;
CREATE TRIGGER compliance_cases_no_delete BEFORE DELETE ON compliance_cases
BEGIN SELECT RAISE(ABORT, 'compliance_cases is append-only: DELETE refused'); END;
