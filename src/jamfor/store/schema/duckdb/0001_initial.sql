-- jamfor schema v1 (DuckDB). Ids are text: leading zeros matter ("0114").
-- observation has no primary key here: the importer guarantees uniqueness (it rejects
-- duplicate keys and merges against what is stored), and an ART index would double the
-- bulk-load time of the 7.4M-row dump.

CREATE TABLE area (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    county_id TEXT,
    kommungrupp TEXT
);

CREATE TABLE area_group (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE group_member (
    group_id TEXT NOT NULL,
    area_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, area_id)
);

CREATE TABLE kpi (
    id TEXT PRIMARY KEY,
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
    polarity TEXT,
    colour_graded BOOLEAN,
    unit TEXT,
    decimals INTEGER,
    kkik TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- Earlier metadata of a KPI, kept when a catalogue import changed it (ids get redefined).
CREATE TABLE kpi_revision (
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    perspective TEXT,
    operating_area TEXT,
    retired BOOLEAN,
    catalogue TEXT,
    valid_until TIMESTAMP NOT NULL,
    replaced_by BIGINT
);

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
    kpi TEXT NOT NULL,
    area TEXT NOT NULL,
    period INTEGER NOT NULL,
    gender TEXT NOT NULL,
    value DOUBLE,
    status TEXT,
    count INTEGER,
    source TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

-- An earlier value of an observation, written when an import replaced it.
CREATE TABLE observation_revision (
    kpi TEXT NOT NULL,
    area TEXT NOT NULL,
    period INTEGER NOT NULL,
    gender TEXT NOT NULL,
    value DOUBLE,
    status TEXT,
    count INTEGER,
    source TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    replaced_by BIGINT NOT NULL
);
