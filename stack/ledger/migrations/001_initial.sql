-- Initial schema: tenants and keys, jobs and their record uploads, runs and results,
-- per-run summaries for reports, webhooks with an outbox, worker heartbeats.

CREATE TABLE tenants (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    key_hash    text NOT NULL UNIQUE,
    prefix      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE jobs (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants(id),
    name              text NOT NULL,
    amount_tolerance  numeric NOT NULL CHECK (amount_tolerance >= 0),
    date_window_days  integer NOT NULL CHECK (date_window_days >= 0),
    left_upload_id    bigint,
    right_upload_id   bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE INDEX jobs_tenant ON jobs (tenant_id, id) WHERE deleted_at IS NULL;

-- An upload is an immutable record set; a run points at the uploads it matched, so replacing a
-- side later never changes a finished run's results.
CREATE TABLE uploads (
    id          bigserial PRIMARY KEY,
    job_id      bigint NOT NULL REFERENCES jobs(id),
    side        text NOT NULL CHECK (side IN ('left', 'right')),
    count       integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE records (
    id           bigserial PRIMARY KEY,
    upload_id    bigint NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    position     integer NOT NULL,
    reference    text NOT NULL,
    date         date NOT NULL,
    amount       numeric NOT NULL,
    currency     char(3) NOT NULL,
    description  text NOT NULL DEFAULT ''
);
CREATE INDEX records_upload ON records (upload_id, position);

CREATE TABLE runs (
    id                bigserial PRIMARY KEY,
    job_id            bigint NOT NULL REFERENCES jobs(id),
    tenant_id         bigint NOT NULL REFERENCES tenants(id),
    left_upload_id    bigint NOT NULL REFERENCES uploads(id),
    right_upload_id   bigint NOT NULL REFERENCES uploads(id),
    status            text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    worker_id         text,
    lease_expires_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    duration_ms       double precision,
    matched           integer,
    unmatched_left    integer,
    unmatched_right   integer,
    error             text
);
CREATE INDEX runs_job ON runs (job_id, id);
CREATE INDEX runs_claimable ON runs (id) WHERE status IN ('queued', 'running');

CREATE TABLE matches (
    run_id           bigint NOT NULL REFERENCES runs(id),
    position         integer NOT NULL,
    left_record_id   bigint NOT NULL,
    left_reference   text NOT NULL,
    right_record_id  bigint NOT NULL,
    right_reference  text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('reference', 'tolerance')),
    PRIMARY KEY (run_id, position)
);

CREATE TABLE unmatched (
    run_id     bigint NOT NULL REFERENCES runs(id),
    side       text NOT NULL CHECK (side IN ('left', 'right')),
    position   integer NOT NULL,
    record_id  bigint NOT NULL REFERENCES records(id),
    PRIMARY KEY (run_id, side, position)
);

-- Filled in the same transaction that completes a run; the tenant report reads only this.
CREATE TABLE run_summaries (
    run_id           bigint PRIMARY KEY REFERENCES runs(id),
    tenant_id        bigint NOT NULL REFERENCES tenants(id),
    job_id           bigint NOT NULL REFERENCES jobs(id),
    completed_at     timestamptz NOT NULL,
    matched          integer NOT NULL,
    unmatched_left   integer NOT NULL,
    unmatched_right  integer NOT NULL,
    duration_ms      double precision NOT NULL
);
CREATE INDEX run_summaries_tenant ON run_summaries (tenant_id, completed_at);
CREATE INDEX run_summaries_job ON run_summaries (job_id, completed_at DESC);

CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    url         text NOT NULL,
    events      text[] NOT NULL,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

-- The outbox: one row per (webhook, event occurrence), written with the event itself.
CREATE TABLE webhook_deliveries (
    id               text PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks(id),
    event            text NOT NULL,
    payload          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES webhook_deliveries(id),
    webhook_id   bigint NOT NULL REFERENCES webhooks(id),
    event        text NOT NULL,
    attempt      integer NOT NULL,
    status_code  integer,
    error        text,
    outcome      text NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_hook ON webhook_attempts (webhook_id, id);

CREATE TABLE worker_heartbeats (
    worker_id  text PRIMARY KEY,
    pid        integer NOT NULL,
    beat_at    timestamptz NOT NULL DEFAULT now()
);
