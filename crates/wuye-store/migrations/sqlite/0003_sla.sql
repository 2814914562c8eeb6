-- SLA: calendars, policies, per-order clocks, triggers that fire exactly
-- once, and the in-app alert list.

ALTER TABLE work_orders ADD COLUMN emergency INTEGER NOT NULL DEFAULT 0;
-- Earliest warning among running clocks (the UI turns amber from then).
ALTER TABLE work_orders ADD COLUMN sla_warn_at INTEGER;
-- Worst stage of the order's clocks: running | paused | met | breached | none.
ALTER TABLE work_orders ADD COLUMN sla_stage TEXT NOT NULL DEFAULT 'none';

CREATE TABLE sla_calendars (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT    NOT NULL,
    spec        TEXT    NOT NULL,  -- JSON CalendarSpec
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT sla_calendars_name_key UNIQUE (company_id, name)
);

CREATE TABLE sla_policies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    spec        TEXT    NOT NULL,  -- JSON PolicySpec
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX sla_policies_company_idx ON sla_policies (company_id);

CREATE TABLE sla_clocks (
    order_id        INTEGER NOT NULL REFERENCES work_orders(id),
    metric          TEXT    NOT NULL,  -- response | resolution
    policy_id       INTEGER,
    target_ms       INTEGER NOT NULL,
    elapsed_ms      INTEGER NOT NULL,
    paused_ms       INTEGER NOT NULL,
    stage           TEXT    NOT NULL,
    deadline_at     INTEGER,
    warn_at         INTEGER,
    breached_at     INTEGER,
    breach_minutes  INTEGER NOT NULL DEFAULT 0,
    stopped_at      INTEGER,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (order_id, metric)
);
CREATE INDEX sla_clocks_stage_idx ON sla_clocks (stage, metric);

-- One row per order, metric and level (-1 = warning, 0.. = escalation
-- levels). fired_at is set in the transaction that raises the alert, so a
-- level fires exactly once.
CREATE TABLE sla_triggers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES work_orders(id),
    company_id  INTEGER NOT NULL,
    metric      TEXT    NOT NULL,
    level       INTEGER NOT NULL,
    fire_at     INTEGER,
    fired_at    INTEGER,
    CONSTRAINT sla_triggers_level_key UNIQUE (order_id, metric, level)
);
CREATE INDEX sla_triggers_due_idx ON sla_triggers (fired_at, fire_at);

CREATE TABLE sla_alerts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER NOT NULL,
    order_id     INTEGER NOT NULL REFERENCES work_orders(id),
    metric       TEXT    NOT NULL,
    level        INTEGER NOT NULL,
    kind         TEXT    NOT NULL,  -- warning | breach | escalation
    target_role  TEXT    NOT NULL,  -- team_lead | supervisor | manager | assignee
    staff_id     INTEGER REFERENCES staff(id),
    message      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER
);
CREATE INDEX sla_alerts_staff_idx ON sla_alerts (staff_id, id);
CREATE INDEX sla_alerts_company_idx ON sla_alerts (company_id, id);
