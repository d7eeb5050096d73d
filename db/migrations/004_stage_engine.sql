-- The stage engine: one technician holds each dispatch round of a request. The roster's automatic
-- dispatch and a person's manual dispatch claim the same round; the first claim wins and only its
-- caller sends the job SMS, so a job SMS never goes to two technicians for one round.
CREATE TABLE dispatch_claims (
  request_id     text NOT NULL,
  round          integer NOT NULL,
  technician_id  text NOT NULL REFERENCES staff(id),
  claimed_by     text NOT NULL,
  claimed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, round)
);

-- An SMS the gateway refused for good (bad number) is kept as failed, visible on the request.
ALTER TABLE sms_outbox DROP CONSTRAINT IF EXISTS sms_outbox_status_check;
ALTER TABLE sms_outbox ADD CONSTRAINT sms_outbox_status_check CHECK (status IN ('pending', 'sent', 'failed'));
CREATE INDEX IF NOT EXISTS service_requests_technician ON service_requests (technician_id);
CREATE INDEX IF NOT EXISTS service_requests_first_contact ON service_requests (first_contact_staff_id);
