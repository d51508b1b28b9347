-- The fleet register (issue 8): what the fisheries authority says each vessel is.
--
-- Each import is a row of `registry_imports`. Each vessel's registration has one current
-- entry (`superseded_at IS NULL`); a re-import that changes it supersedes the old entry
-- (stamped with the import that did) and adds a new one, so the history of every
-- registration stays, and an entry is never edited otherwise nor deleted.
CREATE TABLE registry_imports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    imported_at  timestamptz NOT NULL,
    source       text NOT NULL,
    rows_read    integer NOT NULL DEFAULT 0,
    inserted     integer NOT NULL DEFAULT 0,
    updated      integer NOT NULL DEFAULT 0,
    unchanged    integer NOT NULL DEFAULT 0,
    rejected     integer NOT NULL DEFAULT 0
);

CREATE TABLE registry_entries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration        text COLLATE "C" NOT NULL,
    mmsi                integer CHECK (mmsi BETWEEN 0 AND 999999999),
    name                text NOT NULL,
    length_m            real NOT NULL CHECK (length_m > 0),
    gear                text,
    province            text NOT NULL,
    owner               text,
    vms_provider        text,
    vms_device_id       text,
    licence_valid_from  date,
    licence_valid_to    date,
    import_id           bigint NOT NULL REFERENCES registry_imports (id),
    valid_from          timestamptz NOT NULL,
    superseded_at       timestamptz,
    superseded_by       bigint REFERENCES registry_imports (id)
);
CREATE UNIQUE INDEX registry_entries_current ON registry_entries (registration)
    WHERE superseded_at IS NULL;
CREATE INDEX registry_entries_history ON registry_entries (registration, valid_from);
CREATE INDEX registry_entries_mmsi ON registry_entries (mmsi) WHERE superseded_at IS NULL;

-- History is evidence: an entry may only be superseded, once.
CREATE FUNCTION haidang_registry_entries_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.superseded_at IS NULL AND NEW.superseded_at IS NOT NULL
       AND (NEW.registration, NEW.mmsi, NEW.name, NEW.length_m, NEW.gear, NEW.province,
            NEW.owner, NEW.vms_provider, NEW.vms_device_id, NEW.licence_valid_from,
            NEW.licence_valid_to, NEW.import_id, NEW.valid_from)
           IS NOT DISTINCT FROM
           (OLD.registration, OLD.mmsi, OLD.name, OLD.length_m, OLD.gear, OLD.province,
            OLD.owner, OLD.vms_provider, OLD.vms_device_id, OLD.licence_valid_from,
            OLD.licence_valid_to, OLD.import_id, OLD.valid_from) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'registry entries are kept as history: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER registry_entries_guard
    BEFORE UPDATE OR DELETE ON registry_entries
    FOR EACH ROW EXECUTE FUNCTION haidang_registry_entries_guard();
