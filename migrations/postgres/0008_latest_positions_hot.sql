-- The latest position of each vessel is rewritten by nearly every batch a busy feed brings:
-- with 10,000 vessels on the air, a batch of 10,000 positions moves about as many latest
-- positions as it inserts positions. Each rewrite used to insert into the GiST index too,
-- which doubled the database's work per position (bench-ingest: 33,000 positions/s with the
-- index, 48,800 without, same run, 10,000 vessels).
--
-- Without an index on the changing columns, a rewrite is a heap-only (HOT) update: the new
-- row goes on the same page, which the fill factor keeps half free for it, and no index is
-- touched. Box queries on the latest positions scan the table instead: one row per vessel,
-- a few milliseconds for a national fleet.
DROP INDEX IF EXISTS latest_positions_geom;
ALTER TABLE latest_positions SET (fillfactor = 50);
