-- Compliance cases (issue 8): what the fisheries authority must follow up and report.
--
-- A case is opened by the store in the transaction that stores the alert behind it, once
-- per alert: `silent_6h` opens a VMS-loss case (bucket `6h_10d`); `silent_10d` moves the
-- vessel's open VMS-loss case to `over_10d` (or opens one there); `entered_foreign` and
-- `entered_undelimited` open a boundary case. Each case goes detected -> verified ->
-- sanctioned, or is closed with a reason; every change is a row of `compliance_changes`,
-- which nothing edits. A captain's manual position reports (by radio or phone, the duty
-- while the VMS is silent) are data of their own.
CREATE TABLE compliance_cases (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('vms_loss', 'boundary')),
    vessel_id       bigint REFERENCES vessels (id),
    alert_id        text NOT NULL UNIQUE REFERENCES alerts (id),
    escalated_by    text REFERENCES alerts (id),
    bucket          text CHECK (bucket IN ('6h_10d', 'over_10d')),
    zone_id         text,
    zone_class      text,
    country         text,
    detected_at     timestamptz NOT NULL,
    opened_at       timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'detected'
                    CHECK (status IN ('detected', 'verified', 'sanctioned', 'closed')),
    decision_number text,
    amount_vnd      bigint CHECK (amount_vnd >= 0),
    decided_on      date,
    payment_proof   text,
    closed_reason   text CHECK (closed_reason IN
                    ('provider_outage', 'force_majeure', 'at_port', 'no_violation', 'other')),
    updated_at      timestamptz NOT NULL
);
CREATE INDEX compliance_cases_detected ON compliance_cases (detected_at);
CREATE INDEX compliance_cases_vessel ON compliance_cases (vessel_id, kind, status);

CREATE TABLE compliance_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES compliance_cases (id),
    at           timestamptz NOT NULL,
    who          text NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    note         text
);
CREATE INDEX compliance_changes_case ON compliance_changes (case_id, id);

CREATE TABLE manual_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vessel_id    bigint NOT NULL REFERENCES vessels (id),
    fix_time     timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    channel      text NOT NULL CHECK (channel IN ('radio', 'phone', 'other')),
    recorded_by  text NOT NULL,
    note         text
);
CREATE INDEX manual_reports_vessel ON manual_reports (vessel_id, fix_time);

CREATE FUNCTION haidang_compliance_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER compliance_changes_append_only BEFORE UPDATE OR DELETE ON compliance_changes
    FOR EACH ROW EXECUTE FUNCTION haidang_compliance_append_only();
CREATE TRIGGER manual_reports_append_only BEFORE UPDATE OR DELETE ON manual_reports
    FOR EACH ROW EXECUTE FUNCTION haidang_compliance_append_only();
CREATE TRIGGER compliance_cases_no_delete BEFORE DELETE ON compliance_cases
    FOR EACH ROW EXECUTE FUNCTION haidang_compliance_append_only();
