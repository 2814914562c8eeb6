-- A user's own settings: language and the large-text mode (大字版).
ALTER TABLE users ADD COLUMN lang TEXT;
ALTER TABLE users ADD COLUMN large_text BIGINT NOT NULL DEFAULT 0;
