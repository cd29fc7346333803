-- Kommunkompassen evaluations (PostgreSQL). The current version of each evaluation lives in
-- compass_evaluation with its points and texts; every version an edit or import replaced is
-- kept whole, as JSON, in compass_evaluation_revision (append-only, like observation_revision).

CREATE TABLE compass_evaluation (
    id TEXT COLLATE "C" PRIMARY KEY,
    municipality TEXT COLLATE "C" NOT NULL REFERENCES area (id),
    year INTEGER NOT NULL,
    eval_date DATE,
    framework TEXT COLLATE "C" NOT NULL,
    evaluators TEXT NOT NULL,
    method TEXT,
    interviews INTEGER CHECK (interviews >= 0),
    summary TEXT,
    source TEXT,
    published_total DOUBLE PRECISION,
    origin TEXT NOT NULL,
    version INTEGER NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
CREATE INDEX compass_evaluation_municipality ON compass_evaluation (municipality);

CREATE TABLE compass_points (
    evaluation_id TEXT COLLATE "C" NOT NULL REFERENCES compass_evaluation (id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('question', 'area')),
    item TEXT COLLATE "C" NOT NULL,
    points DOUBLE PRECISION NOT NULL CHECK (points >= 0),
    PRIMARY KEY (evaluation_id, level, item)
);

CREATE TABLE compass_text (
    evaluation_id TEXT COLLATE "C" NOT NULL REFERENCES compass_evaluation (id) ON DELETE CASCADE,
    area INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('general', 'strength', 'improvement')),
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, area, kind, seq)
);

CREATE TABLE compass_evaluation_revision (
    evaluation_id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    origin TEXT NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, version)
);
