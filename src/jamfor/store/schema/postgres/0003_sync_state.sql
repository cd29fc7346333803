-- Sync state (PostgreSQL): each run of `jamfor sync kolada` and the batches it has finished,
-- so that an interrupted or failed sync resumes where it stopped instead of starting again.

CREATE SEQUENCE sync_run_id START 1;

CREATE TABLE sync_run (
    id BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    base_url TEXT NOT NULL,
    params_key TEXT NOT NULL,
    params TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status TEXT NOT NULL,
    message TEXT,
    -- the batch a failed run stopped in, and how many items it had read of it: a rerun that
    -- finds fewer refuses them (the data shrank under us) rather than record a gap
    failed_batch TEXT,
    failed_items BIGINT
);

CREATE TABLE sync_batch (
    run_id BIGINT NOT NULL REFERENCES sync_run (id) ON DELETE CASCADE,
    batch_key TEXT NOT NULL,
    requests INTEGER NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_new BIGINT NOT NULL,
    rows_changed BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    rows_deleted BIGINT NOT NULL,
    import_batch_id BIGINT,
    finished_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, batch_key)
);
