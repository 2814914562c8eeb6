-- The rollups summed to the levels the dashboards read: the company, each
-- community, team and person, each team and person within a community, each
-- person within a team.
-- "All" is a sentinel: community 0, team or person -1 (0 already means
-- "none"). A month's company dashboard reads about 6,000 cells here; from
-- kpi_rollups it summed about 400,000 at 1,000,000 orders (0.8 s on SQLite,
-- 8 s on PostgreSQL). Kept in step with kpi_rollups in the same transaction
-- (crates/wuye-store/src/kpi/rollups.rs, which explains the levels).
CREATE TABLE kpi_rollups_wide (
    company_id    INTEGER NOT NULL,
    community_id  INTEGER NOT NULL,  -- 0: every community
    team_id       INTEGER NOT NULL,  -- -1: every team; 0: none
    assignee_id   INTEGER NOT NULL,  -- -1: every person; 0: none
    day           INTEGER NOT NULL,
    metric        TEXT    NOT NULL,
    num           INTEGER NOT NULL,
    den           INTEGER NOT NULL,
    PRIMARY KEY (company_id, community_id, team_id, assignee_id, day, metric)
) WITHOUT ROWID;

-- the company
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, 0, -1, -1, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, day, metric;

-- each community
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, community_id, -1, -1, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, community_id, day, metric;

-- each team
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, 0, team_id, -1, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, team_id, day, metric;

-- each team in each community
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, community_id, team_id, -1, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, community_id, team_id, day, metric;

-- each person
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, 0, -1, assignee_id, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, assignee_id, day, metric;

-- each person in each community
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, community_id, -1, assignee_id, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, community_id, assignee_id, day, metric;

-- each person in each team
INSERT INTO kpi_rollups_wide (company_id, community_id, team_id, assignee_id, day, metric, num, den)
SELECT company_id, 0, team_id, assignee_id, day, metric, SUM(num), SUM(den)
FROM kpi_rollups GROUP BY company_id, team_id, assignee_id, day, metric;

-- kpi_rollups is now read only by a scope naming communities, a team and a
-- person, through its primary key; the day index made the planner scan a
-- whole month for such a scope (1.5 s at 1,000,000 orders) and cost a write
-- per cell.
DROP INDEX kpi_rollups_day_cover_idx;
