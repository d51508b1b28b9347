-- Positions carry the NMEA behind them (`raw`, replacing the never-filled `raw_id`), and
-- the raw journal keeps each bridge line once by its text (see the PostgreSQL migration).
DROP TRIGGER positions_after_insert;

ALTER TABLE positions ADD COLUMN raw TEXT;
ALTER TABLE positions DROP COLUMN raw_id;
ALTER TABLE latest_positions ADD COLUMN raw TEXT;
ALTER TABLE latest_positions DROP COLUMN raw_id;

CREATE TRIGGER positions_after_insert AFTER INSERT ON positions
BEGIN
    INSERT INTO positions_rtree (id, min_lon, max_lon, min_lat, max_lat)
    VALUES (new.id, new.lon, new.lon, new.lat, new.lat);
    INSERT INTO latest_positions (vessel_id, fix_us, received_us, source, lon, lat,
                                  sog_knots, cog_degrees, heading_degrees, nav_status, raw)
    VALUES (new.vessel_id, new.fix_us, new.received_us, new.source, new.lon, new.lat,
            new.sog_knots, new.cog_degrees, new.heading_degrees, new.nav_status, new.raw)
    ON CONFLICT (vessel_id) DO UPDATE SET
        fix_us = excluded.fix_us, received_us = excluded.received_us,
        source = excluded.source, lon = excluded.lon, lat = excluded.lat,
        sog_knots = excluded.sog_knots, cog_degrees = excluded.cog_degrees,
        heading_degrees = excluded.heading_degrees, nav_status = excluded.nav_status,
        raw = excluded.raw
    WHERE (excluded.fix_us, excluded.received_us)
        > (latest_positions.fix_us, latest_positions.received_us);
END;

-- SQLite cannot drop a table constraint: the journal is rebuilt (it is empty until now).
DROP TABLE raw_journal;
CREATE TABLE raw_journal (
    id           INTEGER PRIMARY KEY,
    received_us  INTEGER NOT NULL,
    source       TEXT NOT NULL,
    line         TEXT NOT NULL,
    UNIQUE (source, line)
);
