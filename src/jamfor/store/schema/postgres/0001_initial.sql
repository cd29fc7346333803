-- jamfor schema v1 (PostgreSQL). Ids are text in the "C" collation: leading zeros matter
-- and byte order keeps the observation key index cheap to build.

CREATE TABLE area (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    county_id TEXT COLLATE "C",
    kommungrupp TEXT
);

CREATE TABLE area_group (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE group_member (
    group_id TEXT COLLATE "C" NOT NULL REFERENCES area_group (id) ON DELETE CASCADE,
    area_id TEXT COLLATE "C" NOT NULL REFERENCES area (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, area_id)
);

CREATE TABLE kpi (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    is_divided_by_gender BOOLEAN,
    municipality_type TEXT,
    auspice TEXT,
    operating_area TEXT,
    perspective TEXT,
    prel_publication_date TEXT,
    publication_date TEXT,
    publ_period TEXT,
    has_ou_data BOOLEAN,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    origin TEXT NOT NULL DEFAULT 'kolada',
    catalogue TEXT,
    polarity TEXT CHECK (polarity IN ('higher', 'lower', 'none')),
    colour_graded BOOLEAN,
    unit TEXT,
    decimals INTEGER,
    kkik TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE kpi_revision (
    id TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    perspective TEXT,
    operating_area TEXT,
    retired BOOLEAN,
    catalogue TEXT,
    valid_until TIMESTAMP NOT NULL,
    replaced_by BIGINT
);
CREATE INDEX kpi_revision_id ON kpi_revision (id);

CREATE SEQUENCE import_batch_id START 1;

CREATE TABLE import_batch (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT,
    sha256 TEXT,
    imported_at TIMESTAMP NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_new BIGINT NOT NULL,
    rows_changed BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL
);

CREATE TABLE observation (
    kpi TEXT COLLATE "C" NOT NULL,
    area TEXT COLLATE "C" NOT NULL,
    period INTEGER NOT NULL,
    gender TEXT COLLATE "C" NOT NULL CHECK (gender IN ('T', 'K', 'M')),
    value DOUBLE PRECISION,
    status TEXT,
    count INTEGER,
    source TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kpi, area, period, gender)
);

CREATE TABLE observation_revision (
    kpi TEXT COLLATE "C" NOT NULL,
    area TEXT COLLATE "C" NOT NULL,
    period INTEGER NOT NULL,
    gender TEXT COLLATE "C" NOT NULL,
    value DOUBLE PRECISION,
    status TEXT,
    count INTEGER,
    source TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    replaced_by BIGINT NOT NULL
);
CREATE INDEX observation_revision_key ON observation_revision (kpi, area, period, gender);
