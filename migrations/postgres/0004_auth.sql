-- Accounts, sessions and API tokens (issue 7).
--
-- No secret is stored: a password is kept as its argon2id PHC string, a session id and an
-- API token as the hex SHA-256 of the random value the client holds. A consular account
-- may be limited to one mission, a fisheries account to one province.

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    password_hash  text NOT NULL,
    role           text NOT NULL
                   CHECK (role IN ('operator', 'consular', 'fisheries', 'admin')),
    mission        text CHECK (mission IS NULL OR role = 'consular'),
    province       text CHECK (province IS NULL OR role = 'fisheries'),
    created_at     timestamptz NOT NULL,
    failed_logins  integer NOT NULL DEFAULT 0,
    locked_until   timestamptz
);

CREATE TABLE sessions (
    id_hash     text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    token_hash  text NOT NULL UNIQUE,
    role        text NOT NULL
                CHECK (role IN ('operator', 'consular', 'fisheries', 'admin', 'device')),
    mission     text CHECK (mission IS NULL OR role = 'consular'),
    province    text CHECK (province IS NULL OR role = 'fisheries'),
    created_at  timestamptz NOT NULL
);
