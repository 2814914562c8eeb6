-- Notifications: per-company settings, providers, robots and webhooks,
-- rules and templates (only where an admin changed the shipped ones),
-- personal contacts, the outbox (one row per event, recipient and channel,
-- written in the transaction of the change) and the in-app inbox.

CREATE TABLE notify_settings (
    company_id  INTEGER PRIMARY KEY REFERENCES companies(id),
    spec        TEXT    NOT NULL,  -- JSON NotifySettings
    updated_at  INTEGER NOT NULL
);

-- The SMS provider and the mail server. Secrets live apart from the
-- configuration and are never returned by the API.
CREATE TABLE notify_channels (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    channel     TEXT    NOT NULL,  -- sms | email
    config      TEXT    NOT NULL,  -- JSON SmsConfig | EmailConfig
    secrets     TEXT    NOT NULL DEFAULT '{}',
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, channel)
);

-- 企业微信/钉钉 group robots (per team) and signed webhooks (per company).
CREATE TABLE notify_endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    kind        TEXT    NOT NULL,  -- wecom | dingtalk | webhook
    team_id     INTEGER REFERENCES teams(id),
    spec        TEXT    NOT NULL,  -- JSON EndpointSpec
    secrets     TEXT    NOT NULL DEFAULT '{}',
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX notify_endpoints_company_idx ON notify_endpoints (company_id, kind);

CREATE TABLE notify_rules (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    event       TEXT    NOT NULL,
    spec        TEXT    NOT NULL,  -- JSON Rule
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, event)
);

CREATE TABLE notify_templates (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    event       TEXT    NOT NULL,
    lang        TEXT    NOT NULL,  -- zh-CN | en
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, event, lang)
);

-- A person's e-mail address and language for notifications.
CREATE TABLE notify_contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    staff_id     INTEGER REFERENCES staff(id),
    resident_id  INTEGER REFERENCES residents(id),
    email        TEXT,
    lang         TEXT    NOT NULL DEFAULT 'zh-CN',
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX notify_contacts_staff_key ON notify_contacts (staff_id);
CREATE UNIQUE INDEX notify_contacts_resident_key ON notify_contacts (resident_id);

-- One row per (event, recipient, channel): idem_key makes a second insert
-- (a retried transaction, a second node) a no-op, and is sent to providers
-- that take an idempotency key. status: pending → sending (claimed until
-- next_attempt_at, the lease) → delivered | pending (retry) | dead.
CREATE TABLE notify_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id       INTEGER NOT NULL REFERENCES companies(id),
    order_id         INTEGER REFERENCES work_orders(id),
    event            TEXT    NOT NULL,
    source           TEXT    NOT NULL,  -- event:<id> | sla:<order>:<metric>:<level>
    idem_key         TEXT    NOT NULL,
    channel          TEXT    NOT NULL,  -- in_app | sms | email | wecom | dingtalk | webhook
    recipient_kind   TEXT    NOT NULL,  -- resident | staff | endpoint
    recipient_id     INTEGER NOT NULL,
    recipient_key    TEXT    NOT NULL,  -- <kind>:<id>, for rate limits
    recipient_name   TEXT    NOT NULL,
    address          TEXT    NOT NULL,  -- phone, e-mail, user id or endpoint id
    lang             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    payload          TEXT    NOT NULL DEFAULT '{}',
    urgent           INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    attempt_limit    INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    delivered_at     INTEGER,
    last_error       TEXT,
    provider_ref     TEXT,
    claim_token      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CONSTRAINT notify_outbox_idem_key UNIQUE (idem_key)
);
CREATE INDEX notify_outbox_due_idx ON notify_outbox (channel, next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notify_outbox_order_idx ON notify_outbox (order_id, id);
CREATE INDEX notify_outbox_status_idx ON notify_outbox (company_id, status, id);
CREATE INDEX notify_outbox_rate_idx ON notify_outbox (recipient_key, channel, sent_at);

-- The bell: in-app notifications of a user (resident or staff).
CREATE TABLE notify_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    outbox_id   INTEGER NOT NULL REFERENCES notify_outbox(id),
    order_id    INTEGER REFERENCES work_orders(id),
    event       TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    CONSTRAINT notify_inbox_outbox_key UNIQUE (outbox_id)
);
CREATE INDEX notify_inbox_user_idx ON notify_inbox (user_id, id);
CREATE INDEX notify_inbox_unread_idx ON notify_inbox (user_id, read_at);
