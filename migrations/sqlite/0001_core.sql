-- Haidang's core schema on SQLite 3.46 (sqlx's bundled build, with the R*Tree module).
--
-- The same tables as migrations/postgres, in SQLite's dialect: times are INTEGER UNIX
-- microseconds (UTC), positions keep lon/lat as REAL, and `positions_rtree` indexes them
-- for bounding-box queries. SQLite has no roles, so "append-only" is enforced by triggers
-- alone, and there is no partitioning.

CREATE TABLE vessels (
    id                  INTEGER PRIMARY KEY,
    vessel_key          TEXT NOT NULL UNIQUE,
    mmsi                INTEGER CHECK (mmsi BETWEEN 0 AND 999999999),
    registration        TEXT,
    name                TEXT,
    call_sign           TEXT,
    imo                 INTEGER,
    ship_type           INTEGER,
    length_meters       REAL,
    beam_meters         REAL,
    draught_meters      REAL,
    destination         TEXT,
    province            TEXT,
    vms_provider        TEXT,
    static_updated_us   INTEGER,
    created_us          INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER))
);
CREATE INDEX vessels_mmsi ON vessels (mmsi) WHERE mmsi IS NOT NULL;
CREATE INDEX vessels_registration ON vessels (registration) WHERE registration IS NOT NULL;

CREATE TABLE raw_journal (
    id           INTEGER PRIMARY KEY,
    received_us  INTEGER NOT NULL,
    source       TEXT NOT NULL,
    line         TEXT NOT NULL,
    UNIQUE (source, received_us, line)
);

CREATE TABLE quarantine (
    id           INTEGER PRIMARY KEY,
    received_us  INTEGER NOT NULL,
    source       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    line         TEXT NOT NULL,
    UNIQUE (source, received_us, line, reason)
);

-- Positions: append-only; the natural key (vessel, fix time, lon, lat) leaves out the
-- source, so the same report heard twice is stored once.
CREATE TABLE positions (
    id               INTEGER PRIMARY KEY,
    vessel_id        INTEGER NOT NULL REFERENCES vessels (id),
    fix_us           INTEGER NOT NULL,
    received_us      INTEGER NOT NULL,
    source           TEXT NOT NULL,
    lon              REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat              REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    sog_knots        REAL,
    cog_degrees      REAL,
    heading_degrees  INTEGER,
    nav_status       INTEGER,
    raw_id           INTEGER,
    UNIQUE (vessel_id, fix_us, lon, lat)
);
CREATE INDEX positions_fix_us ON positions (fix_us);

-- Bounding boxes of positions (a point is a degenerate box), keyed by positions.id. The
-- R*Tree stores 32-bit floats rounded outwards, so it finds candidates and the exact
-- lon/lat columns decide.
CREATE VIRTUAL TABLE positions_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);

CREATE TABLE latest_positions (
    vessel_id        INTEGER PRIMARY KEY REFERENCES vessels (id),
    fix_us           INTEGER NOT NULL,
    received_us      INTEGER NOT NULL,
    source           TEXT NOT NULL,
    lon              REAL NOT NULL,
    lat              REAL NOT NULL,
    sog_knots        REAL,
    cog_degrees      REAL,
    heading_degrees  INTEGER,
    nav_status       INTEGER,
    raw_id           INTEGER
);

-- Every new position enters the R*Tree and, unless a newer fix is known, becomes its
-- vessel's latest position. A row skipped by ON CONFLICT DO NOTHING fires nothing.
CREATE TRIGGER positions_after_insert AFTER INSERT ON positions
BEGIN
    INSERT INTO positions_rtree (id, min_lon, max_lon, min_lat, max_lat)
    VALUES (new.id, new.lon, new.lon, new.lat, new.lat);
    INSERT INTO latest_positions (vessel_id, fix_us, received_us, source, lon, lat,
                                  sog_knots, cog_degrees, heading_degrees, nav_status, raw_id)
    VALUES (new.vessel_id, new.fix_us, new.received_us, new.source, new.lon, new.lat,
            new.sog_knots, new.cog_degrees, new.heading_degrees, new.nav_status, new.raw_id)
    ON CONFLICT (vessel_id) DO UPDATE SET
        fix_us = excluded.fix_us, received_us = excluded.received_us,
        source = excluded.source, lon = excluded.lon, lat = excluded.lat,
        sog_knots = excluded.sog_knots, cog_degrees = excluded.cog_degrees,
        heading_degrees = excluded.heading_degrees, nav_status = excluded.nav_status,
        raw_id = excluded.raw_id
    WHERE (excluded.fix_us, excluded.received_us)
        > (latest_positions.fix_us, latest_positions.received_us);
END;

-- Nothing edits a track.
CREATE TRIGGER positions_no_update BEFORE UPDATE ON positions
BEGIN
    SELECT RAISE(ABORT, 'positions are append-only: UPDATE refused');
END;
CREATE TRIGGER positions_no_delete BEFORE DELETE ON positions
BEGIN
    SELECT RAISE(ABORT, 'positions are append-only: DELETE refused');
END;

CREATE TABLE zone_events (
    id           INTEGER PRIMARY KEY,
    vessel_id    INTEGER NOT NULL REFERENCES vessels (id),
    fix_us       INTEGER NOT NULL,
    received_us  INTEGER NOT NULL,
    event        TEXT NOT NULL CHECK (event IN ('enter', 'exit', 'approach')),
    zone_id      TEXT NOT NULL,
    zone_class   TEXT NOT NULL,
    country      TEXT,
    distance_meters REAL,
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    UNIQUE (vessel_id, fix_us, event, zone_id)
);
CREATE INDEX zone_events_fix_us ON zone_events (fix_us);

CREATE TABLE alerts (
    id               TEXT PRIMARY KEY,
    dedupe_key       TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    vessel_id        INTEGER REFERENCES vessels (id),
    fix_us           INTEGER,
    received_us      INTEGER,
    raised_us        INTEGER NOT NULL,
    delayed          INTEGER NOT NULL DEFAULT 0,
    zone_id          TEXT,
    details          TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'acknowledged', 'resolved')),
    acknowledged_us  INTEGER,
    acknowledged_by  TEXT,
    resolved_us      INTEGER,
    resolved_by      TEXT
);
CREATE INDEX alerts_raised_us ON alerts (raised_us);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    alert_id         TEXT NOT NULL REFERENCES alerts (id),
    destination      TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_flight', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_us  INTEGER NOT NULL,
    lease_until_us   INTEGER,
    last_error       TEXT,
    created_us       INTEGER NOT NULL,
    delivered_us     INTEGER,
    UNIQUE (alert_id, destination)
);
CREATE INDEX outbox_due ON outbox (next_attempt_us) WHERE status IN ('pending', 'in_flight');
