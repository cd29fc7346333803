-- Citizen surveys (PostgreSQL): the raw answers, one row per respondent, as imported by
-- `jamfor survey import`. Answers are a JSON object question id → answer (blanks left out);
-- the computed indices are stored as ordinary observations of own KPIs, not here.

CREATE TABLE survey_response (
    survey TEXT NOT NULL,
    area TEXT NOT NULL,
    period INTEGER NOT NULL,
    respondent TEXT NOT NULL,
    weight DOUBLE PRECISION,
    answers TEXT NOT NULL,
    source TEXT NOT NULL,
    batch_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey, area, period, respondent)
);
