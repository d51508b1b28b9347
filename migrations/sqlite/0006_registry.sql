-- The fleet register (issue 8): the SQLite dialect of migrations/postgres/0006_registry.sql.
-- Times are microseconds since the Unix epoch; dates are 'YYYY-MM-DD' text.
CREATE TABLE registry_imports (
    id           INTEGER PRIMARY KEY,
    imported_us  INTEGER NOT NULL,
    source       TEXT NOT NULL,
    rows_read    INTEGER NOT NULL DEFAULT 0,
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE registry_entries (
    id                  INTEGER PRIMARY KEY,
    registration        TEXT NOT NULL,
    mmsi                INTEGER CHECK (mmsi BETWEEN 0 AND 999999999),
    name                TEXT NOT NULL,
    length_m            REAL NOT NULL CHECK (length_m > 0),
    gear                TEXT,
    province            TEXT NOT NULL,
    owner               TEXT,
    vms_provider        TEXT,
    vms_device_id       TEXT,
    licence_valid_from  TEXT,
    licence_valid_to    TEXT,
    import_id           INTEGER NOT NULL REFERENCES registry_imports (id),
    valid_from_us       INTEGER NOT NULL,
    superseded_us       INTEGER,
    superseded_by       INTEGER REFERENCES registry_imports (id)
);
CREATE UNIQUE INDEX registry_entries_current ON registry_entries (registration)
    WHERE superseded_us IS NULL;
CREATE INDEX registry_entries_history ON registry_entries (registration, valid_from_us);
CREATE INDEX registry_entries_mmsi ON registry_entries (mmsi) WHERE superseded_us IS NULL;

-- History is evidence: an entry may only be superseded, once; nothing else changes.
CREATE TRIGGER registry_entries_no_delete BEFORE DELETE ON registry_entries
BEGIN
    SELECT RAISE(ABORT, 'registry entries are kept as history: DELETE refused');
END;
CREATE TRIGGER registry_entries_supersede_only BEFORE UPDATE ON registry_entries
WHEN OLD.superseded_us IS NOT NULL OR NEW.superseded_us IS NULL
  OR NEW.registration IS NOT OLD.registration OR NEW.mmsi IS NOT OLD.mmsi
  OR NEW.name IS NOT OLD.name OR NEW.length_m IS NOT OLD.length_m
  OR NEW.gear IS NOT OLD.gear OR NEW.province IS NOT OLD.province
  OR NEW.owner IS NOT OLD.owner OR NEW.vms_provider IS NOT OLD.vms_provider
  OR NEW.vms_device_id IS NOT OLD.vms_device_id
  OR NEW.licence_valid_from IS NOT OLD.licence_valid_from
  OR NEW.licence_valid_to IS NOT OLD.licence_valid_to
  OR NEW.import_id IS NOT OLD.import_id OR NEW.valid_from_us IS NOT OLD.valid_from_us
BEGIN
    SELECT RAISE(ABORT, 'registry entries are kept as history: UPDATE refused');
END;
