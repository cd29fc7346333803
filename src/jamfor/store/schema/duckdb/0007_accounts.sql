-- jamfor schema v7: accounts, roles, sessions, API tokens, login attempts, and the audit trail.
-- Nothing here is ever deleted: users are disabled, sessions and tokens revoked, and
-- audit_event is append-only (the store never updates or deletes a row of it).

CREATE SEQUENCE app_user_id START 1;

CREATE TABLE app_user (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'evaluator', 'reader')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The municipalities an editor reports for, and the evaluations an evaluator edits.
CREATE TABLE user_scope (
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('area', 'evaluation')),
    target TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, target)
);

CREATE SEQUENCE api_token_id START 1;

CREATE TABLE api_token (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE web_session (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE login_attempt (
    username TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    succeeded BOOLEAN NOT NULL,
    client TEXT
);
CREATE INDEX login_attempt_user ON login_attempt (username, attempted_at);

CREATE SEQUENCE audit_event_id START 1;

CREATE TABLE audit_event (
    id BIGINT PRIMARY KEY,
    happened_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    source TEXT
);
CREATE INDEX audit_event_entity ON audit_event (entity, entity_key);

-- A reporting period (a measure set's year) closed after its deadline: values of its measures
-- for that year are locked unless an admin reopens it.
CREATE TABLE reporting_period (
    measure_set TEXT NOT NULL,
    year INTEGER NOT NULL,
    deadline TIMESTAMP,
    closed_at TIMESTAMP,
    closed_by TEXT,
    PRIMARY KEY (measure_set, year)
);
