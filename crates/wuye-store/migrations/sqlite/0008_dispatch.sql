-- Smart dispatch: the category → team map, settings, the classifier's
-- prediction on each order, dispatcher corrections (labelled examples) and
-- retrained model versions.

CREATE TABLE category_teams (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    category    TEXT    NOT NULL,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    PRIMARY KEY (company_id, category)
);

CREATE TABLE dispatch_settings (
    company_id  INTEGER PRIMARY KEY REFERENCES companies(id),
    threshold   TEXT    NOT NULL,  -- decimal, e.g. 0.6
    capacity    INTEGER NOT NULL,  -- open orders per person before they are skipped
    enabled     INTEGER NOT NULL DEFAULT 1  -- 0: classify only, never dispatch by itself
);

CREATE TABLE dispatch_examples (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    order_id    INTEGER REFERENCES work_orders(id),
    text        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    urgency     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    corrected_by INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX dispatch_examples_company_idx ON dispatch_examples (company_id, id);

CREATE TABLE dispatch_models (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    bytes       BLOB    NOT NULL,
    examples    INTEGER NOT NULL,  -- corrections it was trained with
    metrics     TEXT    NOT NULL,  -- JSON: accuracy etc. on the bundled test file
    created_at  INTEGER NOT NULL
);
CREATE INDEX dispatch_models_company_idx ON dispatch_models (company_id, id);

-- What the classifier said at creation (JSON), and what dispatch did with
-- it: none | auto | team | pool | queue | staff.
ALTER TABLE work_orders ADD COLUMN prediction TEXT;
ALTER TABLE work_orders ADD COLUMN dispatch_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE work_orders ADD COLUMN dispatch_corrected INTEGER NOT NULL DEFAULT 0;
CREATE INDEX work_orders_dispatch_idx ON work_orders (company_id, dispatch_status, state);

ALTER TABLE staff ADD COLUMN last_assigned_at INTEGER;
