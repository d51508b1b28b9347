-- Positions carry the NMEA behind them, and cost less to write.
--
-- 1. `raw`: the sentence or sentences (tag block included) a position was decoded from,
--    so that a track is evidence on its own (the evidence pack prints it). It replaces
--    `raw_id`, a reference to `raw_journal` that was never filled: the journal now holds
--    only what bridges send (see below), and a position must not depend on it.
-- 2. No foreign key from positions to vessels. A per-row referential check was a quarter
--    of the insert cost; the store's writer inserts the vessels of a batch in the same
--    transaction before its positions and joins on them, so a position cannot name a
--    vessel that does not exist, and vessels are never deleted.
-- 3. The time index is a BRIN index: positions arrive nearly in fix-time order, a BRIN
--    index costs almost nothing to keep up, and tracks use the (vessel, fix time) key.
ALTER TABLE positions DROP CONSTRAINT IF EXISTS positions_vessel_id_fkey;
DROP INDEX IF EXISTS positions_fix_time;
CREATE INDEX positions_fix_time_brin ON positions USING brin (fix_time);

ALTER TABLE positions ADD COLUMN raw text;
ALTER TABLE positions DROP COLUMN raw_id;
ALTER TABLE latest_positions ADD COLUMN raw text;
ALTER TABLE latest_positions DROP COLUMN raw_id;

-- The raw journal keeps what a bridge sent, once: a bridge line carries its device
-- (`s:`), its sequence number (`n:`) and its receive time aboard (`c:`) in its tag block,
-- so the line's text is unique per device, and a batch sent again is stored once.
-- `received_at` is when the shore first got the line.
ALTER TABLE raw_journal DROP CONSTRAINT IF EXISTS raw_journal_source_received_at_line_key;
CREATE UNIQUE INDEX raw_journal_source_line ON raw_journal (source, line);
