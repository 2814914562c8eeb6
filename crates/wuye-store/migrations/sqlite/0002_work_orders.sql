-- Work orders, their timeline, handlers, followers, photos and text search.

CREATE TABLE order_counters (
    company_id  INTEGER NOT NULL,
    prefix      TEXT    NOT NULL,
    day         INTEGER NOT NULL,  -- yyyymmdd in the company's zone
    value       INTEGER NOT NULL,
    PRIMARY KEY (company_id, prefix, day)
);

CREATE TABLE work_orders (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id            INTEGER NOT NULL REFERENCES companies(id),
    number                TEXT    NOT NULL,
    kind                  TEXT    NOT NULL,
    channel               TEXT    NOT NULL,
    state                 TEXT    NOT NULL,
    priority              TEXT    NOT NULL,
    grade                 TEXT,
    category              TEXT,
    community_id          INTEGER NOT NULL REFERENCES communities(id),
    place_kind            TEXT    NOT NULL,
    home_id               INTEGER REFERENCES homes(id),
    building_id           INTEGER REFERENCES buildings(id),
    entrance_id           INTEGER REFERENCES entrances(id),
    place_text            TEXT    NOT NULL DEFAULT '',
    place_label           TEXT    NOT NULL,
    reporter_resident_id  INTEGER REFERENCES residents(id),
    reporter_staff_id     INTEGER REFERENCES staff(id),
    contact_name          TEXT    NOT NULL,
    contact_phone         TEXT    NOT NULL,
    text                  TEXT    NOT NULL,
    team_id               INTEGER REFERENCES teams(id),
    assignee_id           INTEGER REFERENCES staff(id),
    owner_id              INTEGER REFERENCES staff(id),
    transfer_count        INTEGER NOT NULL DEFAULT 0,
    reopen_count          INTEGER NOT NULL DEFAULT 0,
    dispute_count         INTEGER NOT NULL DEFAULT 0,
    repeat_of             INTEGER REFERENCES work_orders(id),
    merged_into           INTEGER REFERENCES work_orders(id),
    rating                INTEGER,
    rating_comment        TEXT,
    rated_at              INTEGER,
    return_visit_due      INTEGER NOT NULL DEFAULT 0,
    return_visit_reason   TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    dispatched_at         INTEGER,
    accepted_at           INTEGER,
    finished_at           INTEGER,
    resolved_at           INTEGER,
    closed_at             INTEGER,
    cancelled_at          INTEGER,
    auto_accept_at        INTEGER,
    next_deadline_at      INTEGER,
    version               INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT work_orders_number_key UNIQUE (company_id, number)
);
CREATE INDEX work_orders_company_idx ON work_orders (company_id, id);
CREATE INDEX work_orders_community_idx ON work_orders (community_id, state, id);
CREATE INDEX work_orders_team_idx ON work_orders (team_id, state, id);
CREATE INDEX work_orders_assignee_idx ON work_orders (assignee_id, state, id);
CREATE INDEX work_orders_owner_idx ON work_orders (owner_id, id);
CREATE INDEX work_orders_reporter_idx ON work_orders (reporter_resident_id, id);
CREATE INDEX work_orders_home_idx ON work_orders (home_id, category, closed_at);
CREATE INDEX work_orders_deadline_idx ON work_orders (next_deadline_at, id);
CREATE INDEX work_orders_created_idx ON work_orders (created_at);
CREATE INDEX work_orders_auto_accept_idx ON work_orders (auto_accept_at);

CREATE TABLE work_order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES work_orders(id),
    at          INTEGER NOT NULL,
    actor_kind  TEXT    NOT NULL,  -- staff | resident | system
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    note        TEXT,
    internal    INTEGER NOT NULL DEFAULT 0,  -- staff-only notes
    data        TEXT    NOT NULL DEFAULT '{}',
    photos      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX work_order_events_order_idx ON work_order_events (order_id, id);

-- Who held the order and for how long (a step log per handler).
CREATE TABLE work_order_handlers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES work_orders(id),
    team_id     INTEGER REFERENCES teams(id),
    staff_id    INTEGER REFERENCES staff(id),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_action  TEXT
);
CREATE INDEX work_order_handlers_order_idx ON work_order_handlers (order_id, id);

CREATE TABLE work_order_followers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     INTEGER NOT NULL REFERENCES work_orders(id),
    resident_id  INTEGER REFERENCES residents(id),
    staff_id     INTEGER REFERENCES staff(id),
    reason       TEXT    NOT NULL,
    added_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX work_order_followers_resident_key ON work_order_followers (order_id, resident_id);
CREATE UNIQUE INDEX work_order_followers_staff_key ON work_order_followers (order_id, staff_id);
CREATE INDEX work_order_followers_resident_idx ON work_order_followers (resident_id);

CREATE TABLE photos (
    id             TEXT    PRIMARY KEY,  -- SHA-256 of the stored bytes
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    content_type   TEXT    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    has_thumbnail  INTEGER NOT NULL,
    uploaded_by    INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL
);

CREATE TABLE work_order_photos (
    order_id  INTEGER NOT NULL REFERENCES work_orders(id),
    event_id  INTEGER NOT NULL REFERENCES work_order_events(id),
    photo_id  TEXT    NOT NULL REFERENCES photos(id),
    PRIMARY KEY (event_id, photo_id)
);
CREATE INDEX work_order_photos_photo_idx ON work_order_photos (photo_id);

-- Chinese-aware text search: the app segments (jieba words + character
-- bigrams), the database indexes the space-separated terms verbatim.
CREATE VIRTUAL TABLE work_order_fts USING fts5(terms, content='', contentless_delete=1, tokenize='unicode61');
