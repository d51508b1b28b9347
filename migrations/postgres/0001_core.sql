-- Haidang's core schema on PostgreSQL 15+ with PostGIS 3.
--
-- Times are timestamptz (UTC, microseconds). Lon/lat are WGS 84 degrees, and `geom` is
-- derived from them, so the two never disagree. Positions are evidence: append-only,
-- partitioned by month of fix time so that retention (36 months) drops whole partitions.
--
-- `CREATE EXTENSION postgis` needs a superuser: the DBA (or scripts/test) creates it once
-- per database, after which this statement is a no-op for the owner that migrates.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Vessels: one row per identity heard on the air or on a VMS link. `vessel_key` is the
-- natural key the store is addressed by: 'mmsi:' and nine digits, or 'reg:' and the
-- registration number. Static data is merged in by later reports (NULL keeps the old value).
CREATE TABLE vessels (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vessel_key          text COLLATE "C" NOT NULL UNIQUE,
    mmsi                integer CHECK (mmsi BETWEEN 0 AND 999999999),
    registration        text,
    name                text,
    call_sign           text,
    imo                 bigint,
    ship_type           smallint,
    length_meters       real,
    beam_meters         real,
    draught_meters      real,
    destination         text,
    province            text,
    vms_provider        text,
    static_updated_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vessels_mmsi ON vessels (mmsi) WHERE mmsi IS NOT NULL;
CREATE INDEX vessels_registration ON vessels (registration) WHERE registration IS NOT NULL;

-- The raw journal: every line read, before it is decoded, so that a crash replays from it.
-- A replayed line (same source, receive time and text) is stored once.
CREATE TABLE raw_journal (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    source       text NOT NULL,
    line         text NOT NULL,
    UNIQUE (source, received_at, line)
);

-- Lines that could not be used, with the reason code (haidang-nmea's `Reason` names or the
-- ingest's own). Stored once per (source, receive time, line, reason).
CREATE TABLE quarantine (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    source       text NOT NULL,
    reason       text NOT NULL,
    line         text NOT NULL,
    UNIQUE (source, received_at, line, reason)
);

-- Positions: append-only, partitioned by month of fix time. The natural key
-- (vessel, fix time, lon, lat) does not include the source, so the same report heard by
-- several receivers, or replayed, is stored once (the first source to arrive is kept).
CREATE TABLE positions (
    vessel_id        bigint NOT NULL REFERENCES vessels (id),
    fix_time         timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    source           text NOT NULL,
    lon              double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat              double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    geom             geometry(Point, 4326) NOT NULL
                     GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    sog_knots        real,
    cog_degrees      real,
    heading_degrees  integer,
    nav_status       smallint,
    raw_id           bigint,
    UNIQUE (vessel_id, fix_time, lon, lat)
) PARTITION BY RANGE (fix_time);

CREATE INDEX positions_geom ON positions USING gist (geom);
CREATE INDEX positions_fix_time ON positions (fix_time);

-- Rows whose month has no partition land here. The store creates the month's partition
-- before it writes (haidang_ensure_position_partitions), so this stays empty in practice.
CREATE TABLE positions_default PARTITION OF positions DEFAULT;

-- Nothing edits a track: UPDATE, DELETE and TRUNCATE on positions raise for every role,
-- the owner included. Retention detaches and drops whole monthly partitions (DDL by the
-- owner), which these triggers do not stop. The application role is granted only SELECT
-- and INSERT, so it is refused twice.
CREATE FUNCTION haidang_positions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'positions are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER positions_no_update_delete
    BEFORE UPDATE OR DELETE ON positions
    FOR EACH ROW EXECUTE FUNCTION haidang_positions_append_only();
CREATE TRIGGER positions_no_truncate
    BEFORE TRUNCATE ON positions
    FOR EACH STATEMENT EXECUTE FUNCTION haidang_positions_append_only();
CREATE TRIGGER no_truncate
    BEFORE TRUNCATE ON positions_default
    FOR EACH STATEMENT EXECUTE FUNCTION haidang_positions_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON positions FROM PUBLIC;

-- Creates the monthly partitions covering [from_time, to_time). A month that already has
-- rows in the default partition is left there (creating its partition would fail), and
-- a concurrent creation of the same month is harmless. SECURITY DEFINER so that the
-- application role, which may not create tables, can call it.
CREATE FUNCTION haidang_ensure_position_partitions(from_time timestamptz, to_time timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    m_start timestamptz := date_trunc('month', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    m_end   timestamptz;
    part    text;
    created integer := 0;
BEGIN
    WHILE m_start < to_time LOOP
        m_end := ((m_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
        part := 'positions_' || to_char(m_start AT TIME ZONE 'UTC', 'YYYY"m"MM');
        IF to_regclass(part) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                    part, m_start, m_end);
                -- Row triggers are cloned to partitions; statement triggers are not.
                EXECUTE format(
                    'CREATE TRIGGER no_truncate BEFORE TRUNCATE ON %I '
                    'FOR EACH STATEMENT EXECUTE FUNCTION haidang_positions_append_only()',
                    part);
                created := created + 1;
            EXCEPTION
                WHEN duplicate_table OR unique_violation THEN NULL;
                WHEN check_violation THEN
                    RAISE NOTICE 'positions for % stay in positions_default', part;
            END;
        END IF;
        m_start := m_end;
    END LOOP;
    RETURN created;
END
$$;

-- The current month and the next two exist from the start.
SELECT haidang_ensure_position_partitions(now() - interval '1 month', now() + interval '3 months');

-- The latest position of each vessel, by fix time (receive time breaks ties), kept by the
-- store in the same statement as the positions insert. A late fix never replaces a newer
-- one. It is derived data: it may be rebuilt from positions at any time.
CREATE TABLE latest_positions (
    vessel_id        bigint PRIMARY KEY REFERENCES vessels (id),
    fix_time         timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    source           text NOT NULL,
    lon              double precision NOT NULL,
    lat              double precision NOT NULL,
    geom             geometry(Point, 4326) NOT NULL
                     GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    sog_knots        real,
    cog_degrees      real,
    heading_degrees  integer,
    nav_status       smallint,
    raw_id           bigint
);
CREATE INDEX latest_positions_geom ON latest_positions USING gist (geom);

-- Zone events from the geofence: enter, exit, approach. One per (vessel, fix, event, zone).
CREATE TABLE zone_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vessel_id    bigint NOT NULL REFERENCES vessels (id),
    fix_time     timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    event        text NOT NULL CHECK (event IN ('enter', 'exit', 'approach')),
    zone_id      text NOT NULL,
    zone_class   text NOT NULL,
    country      text,
    distance_meters double precision,
    lon          double precision NOT NULL,
    lat          double precision NOT NULL,
    UNIQUE (vessel_id, fix_time, event, zone_id)
);
CREATE INDEX zone_events_fix_time ON zone_events (fix_time);

-- Alerts. `id` is the stable id handed to receivers; `dedupe_key` makes raising the same
-- alert twice (a replay, a restart) a no-op.
CREATE TABLE alerts (
    id               text PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,
    kind             text NOT NULL,
    vessel_id        bigint REFERENCES vessels (id),
    fix_time         timestamptz,
    received_at      timestamptz,
    raised_at        timestamptz NOT NULL,
    delayed          boolean NOT NULL DEFAULT false,
    zone_id          text,
    details          jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'acknowledged', 'resolved')),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    resolved_at      timestamptz,
    resolved_by      text
);
CREATE INDEX alerts_raised_at ON alerts (raised_at);
CREATE INDEX alerts_open ON alerts (status) WHERE status <> 'resolved';

-- The transactional outbox: one row per (alert, destination), written in the alert's
-- transaction; workers lease rows (SKIP LOCKED), deliver at least once, and mark them.
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         text NOT NULL REFERENCES alerts (id),
    destination      text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_flight', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    UNIQUE (alert_id, destination)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'in_flight');
