-- KPI rollups: each order's contributions (so a change can be undone
-- exactly) and their sums per company, community, team, person, metric, day.

CREATE TABLE kpi_order_contrib (
    order_id      INTEGER NOT NULL REFERENCES work_orders(id),
    metric        TEXT    NOT NULL,
    day           INTEGER NOT NULL,
    community_id  INTEGER NOT NULL,
    team_id       INTEGER NOT NULL,  -- 0: none
    assignee_id   INTEGER NOT NULL,  -- 0: none
    num           INTEGER NOT NULL,
    den           INTEGER NOT NULL,
    PRIMARY KEY (order_id, metric, day)
);

CREATE TABLE kpi_rollups (
    company_id    INTEGER NOT NULL,
    community_id  INTEGER NOT NULL,
    team_id       INTEGER NOT NULL,
    assignee_id   INTEGER NOT NULL,
    metric        TEXT    NOT NULL,
    day           INTEGER NOT NULL,
    num           INTEGER NOT NULL,
    den           INTEGER NOT NULL,
    PRIMARY KEY (company_id, community_id, team_id, assignee_id, metric, day)
);
CREATE INDEX kpi_rollups_day_idx ON kpi_rollups (company_id, day, metric);

-- Thresholds that raise alerts (自动预警阈值), and the alerts they raised.
CREATE TABLE kpi_alert_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id    INTEGER NOT NULL REFERENCES companies(id),
    kpi           TEXT    NOT NULL,
    community_id  INTEGER,           -- NULL: the whole company
    op            TEXT    NOT NULL,  -- below | above
    threshold     TEXT    NOT NULL,  -- decimal text
    period        TEXT    NOT NULL,  -- day | week | month
    created_at    INTEGER NOT NULL
);

CREATE TABLE kpi_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id    INTEGER NOT NULL,
    rule_id       INTEGER NOT NULL REFERENCES kpi_alert_rules(id),
    value         TEXT    NOT NULL,
    raised_at     INTEGER NOT NULL,
    cleared_at    INTEGER
);
CREATE INDEX kpi_alerts_rule_idx ON kpi_alerts (rule_id, cleared_at);
