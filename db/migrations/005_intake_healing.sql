-- A request's workflow input is kept with its registry row until its workflow is known to have
-- started, so a request number claimed just before the API crashed is started without waiting
-- for the client to retry.
ALTER TABLE service_requests ADD COLUMN intake_input jsonb;
ALTER TABLE service_requests ADD COLUMN workflow_started_at timestamptz;
UPDATE service_requests SET workflow_started_at = updated_at;
CREATE INDEX service_requests_not_started ON service_requests (updated_at) WHERE workflow_started_at IS NULL;
