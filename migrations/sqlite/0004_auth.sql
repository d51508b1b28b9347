-- Accounts, sessions and API tokens (issue 7): the SQLite dialect of
-- migrations/postgres/0004_auth.sql.
--
-- No secret is stored: a password is kept as its argon2id PHC string, a session id and an
-- API token as the hex SHA-256 of the random value the client holds. A consular account
-- may be limited to one mission, a fisheries account to one province.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL
                   CHECK (role IN ('operator', 'consular', 'fisheries', 'admin')),
    mission        TEXT CHECK (mission IS NULL OR role = 'consular'),
    province       TEXT CHECK (province IS NULL OR role = 'fisheries'),
    created_us     INTEGER NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until_us INTEGER
);

CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_us  INTEGER NOT NULL,
    expires_us  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_us);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL
                CHECK (role IN ('operator', 'consular', 'fisheries', 'admin', 'device')),
    mission     TEXT CHECK (mission IS NULL OR role = 'consular'),
    province    TEXT CHECK (province IS NULL OR role = 'fisheries'),
    created_us  INTEGER NOT NULL
);
