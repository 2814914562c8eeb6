-- The property directory, accounts, sessions and the audit log.
-- Instants are INTEGER milliseconds since the Unix epoch (UTC); flags are 0/1;
-- exact decimals (areas) are canonical decimal TEXT.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE communities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT    NOT NULL,
    address     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT communities_name_key UNIQUE (company_id, name)
);

CREATE TABLE buildings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    name          TEXT    NOT NULL,
    CONSTRAINT buildings_name_key UNIQUE (community_id, name)
);

CREATE TABLE entrances (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    building_id  INTEGER NOT NULL REFERENCES buildings(id),
    name         TEXT    NOT NULL,
    CONSTRAINT entrances_name_key UNIQUE (building_id, name)
);

CREATE TABLE homes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    building_id   INTEGER NOT NULL REFERENCES buildings(id),
    entrance_id   INTEGER REFERENCES entrances(id),
    number        TEXT    NOT NULL,
    floor         INTEGER,
    area          TEXT,
    label         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT homes_label_key UNIQUE (community_id, label)
);
CREATE INDEX homes_building_idx ON homes (building_id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id           INTEGER NOT NULL REFERENCES companies(id),
    username             TEXT,
    phone                TEXT,
    display_name         TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,  -- 'staff' | 'resident'
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    password_changed_at  INTEGER NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_phone_key UNIQUE (phone)
);

CREATE TABLE residents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT    NOT NULL,
    phone       TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT residents_phone_key UNIQUE (company_id, phone)
);
CREATE UNIQUE INDEX residents_user_idx ON residents (user_id);

CREATE TABLE resident_homes (
    resident_id  INTEGER NOT NULL REFERENCES residents(id),
    home_id      INTEGER NOT NULL REFERENCES homes(id),
    relation     TEXT    NOT NULL,
    PRIMARY KEY (resident_id, home_id)
);
CREATE INDEX resident_homes_home_idx ON resident_homes (home_id);

CREATE TABLE staff (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    name           TEXT    NOT NULL,
    phone          TEXT    NOT NULL,
    roles          TEXT    NOT NULL,  -- comma-separated role codes
    working_hours  TEXT    NOT NULL,  -- JSON: {"mon": ["08:00-18:00"], ...}
    active         INTEGER NOT NULL DEFAULT 1,
    user_id        INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CONSTRAINT staff_phone_key UNIQUE (company_id, phone)
);
CREATE UNIQUE INDEX staff_user_idx ON staff (user_id);

CREATE TABLE staff_communities (
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    PRIMARY KEY (staff_id, community_id)
);

CREATE TABLE teams (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    code           TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    department     TEXT    NOT NULL DEFAULT '',
    is_vendor      INTEGER NOT NULL DEFAULT 0,
    vendor_name    TEXT,
    dispatch_mode  TEXT    NOT NULL DEFAULT 'auto',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CONSTRAINT teams_code_key UNIQUE (company_id, code),
    CONSTRAINT teams_name_key UNIQUE (company_id, name)
);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams(id),
    staff_id  INTEGER NOT NULL REFERENCES staff(id),
    is_lead   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, staff_id)
);
CREATE INDEX team_members_staff_idx ON team_members (staff_id);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,  -- SHA-256 of the token; the token itself is never stored
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_failures (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    key  TEXT    NOT NULL,  -- 'account:<login>' or 'ip:<address>'
    at   INTEGER NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (key, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_company_idx ON audit_log (company_id, id);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- Installation-wide settings (e.g. demo = 1 when the demo data was loaded).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
