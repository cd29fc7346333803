-- Kommunkompassen evaluations (DuckDB). The current version of each evaluation lives in
-- compass_evaluation with its points and texts; every version an edit or import replaced is
-- kept whole, as JSON, in compass_evaluation_revision (append-only, like observation_revision).

CREATE TABLE compass_evaluation (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    year INTEGER NOT NULL,
    eval_date DATE,
    framework TEXT NOT NULL,
    evaluators TEXT NOT NULL,          -- JSON array of names
    method TEXT,
    interviews INTEGER,
    summary TEXT,
    source TEXT,                       -- where a published evaluation comes from
    published_total DOUBLE,            -- the total an area-level result states
    origin TEXT NOT NULL,              -- where this version was saved from (file, bundled data, CLI)
    version INTEGER NOT NULL,
    saved_at TIMESTAMP NOT NULL
);

-- Points, unrounded: per question (level 'question', item '1.1') or per area (level 'area', item '3').
CREATE TABLE compass_points (
    evaluation_id TEXT NOT NULL,
    level TEXT NOT NULL,
    item TEXT NOT NULL,
    points DOUBLE NOT NULL,
    PRIMARY KEY (evaluation_id, level, item)
);

-- Texts per area: kind 'general' (Allmänt), 'strength' (Styrkor), 'improvement' (Förbättringsområden).
CREATE TABLE compass_text (
    evaluation_id TEXT NOT NULL,
    area INTEGER NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, area, kind, seq)
);

CREATE TABLE compass_evaluation_revision (
    evaluation_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    origin TEXT NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    content TEXT NOT NULL,             -- the replaced version, as the JSON of the file format
    PRIMARY KEY (evaluation_id, version)
);
