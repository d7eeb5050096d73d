-- Repair on report: organisation and roster, request registry and timeline, SMS outbox,
-- accountability ledger, intake idempotency. Every write the workflow makes has a unique
-- business key so a retried activity never writes twice.

CREATE TABLE branches (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  leader_id  text
);

CREATE TABLE regions (
  id                   text PRIMARY KEY,
  name                 text NOT NULL,
  branch_id            text NOT NULL REFERENCES branches(id),
  customer_manager_id  text,
  households           integer
);

CREATE TABLE staff (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  role       text NOT NULL CHECK (role IN ('agent', 'technician', 'customer_manager', 'call_centre_leader',
                                           'branch_leader', 'company_leader', 'supervisor', 'admin')),
  phone      text NOT NULL,
  region_id  text REFERENCES regions(id),
  branch_id  text REFERENCES branches(id),
  active     boolean NOT NULL DEFAULT true
);

ALTER TABLE branches ADD CONSTRAINT branches_leader_fk FOREIGN KEY (leader_id) REFERENCES staff(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE regions ADD CONSTRAINT regions_manager_fk FOREIGN KEY (customer_manager_id) REFERENCES staff(id) DEFERRABLE INITIALLY DEFERRED;

-- On-duty roster (R4, R5). region_id NULL marks a call-centre shift (shift leaders).
CREATE TABLE duty_shifts (
  id         bigserial PRIMARY KEY,
  staff_id   text NOT NULL REFERENCES staff(id),
  region_id  text REFERENCES regions(id),
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX duty_shifts_lookup ON duty_shifts (region_id, starts_at, ends_at);

-- The request registry: written only by the workflow (through activities), read by the API.
CREATE TABLE service_requests (
  id                      text PRIMARY KEY,
  kind                    text NOT NULL,
  severity                text,
  region_id               text NOT NULL,
  stage                   text NOT NULL,
  cycle                   integer NOT NULL DEFAULT 0,
  customer_name           text NOT NULL,
  customer_phone          text NOT NULL,
  customer_address        text NOT NULL,
  fault_description       text NOT NULL,
  first_contact_staff_id  text NOT NULL,
  technician_id           text,
  received_at             timestamptz NOT NULL,
  next_deadline           timestamptz,
  breached                boolean NOT NULL DEFAULT false,
  closed_at               timestamptz,
  last_seq                integer NOT NULL,
  snapshot                jsonb NOT NULL,
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_requests_stage ON service_requests (stage, region_id);

-- The timeline: every stage, who, when, on time or breached.
CREATE TABLE request_events (
  request_id  text NOT NULL REFERENCES service_requests(id),
  seq         integer NOT NULL,
  type        text NOT NULL,
  stage       text NOT NULL,
  at          timestamptz NOT NULL,
  actor       text,
  on_time     boolean,
  detail      jsonb,
  PRIMARY KEY (request_id, seq)
);

-- A retried POST with the same Idempotency-Key gets the same request number.
CREATE TABLE intake_keys (
  idempotency_key  text PRIMARY KEY,
  request_id       text NOT NULL UNIQUE,
  body_hash        text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Request numbers count up per business day: SR-20261121-000123.
CREATE TABLE request_counters (
  day         text PRIMARY KEY,
  last_value  integer NOT NULL
);

-- Every SMS, job or alert, once per message key; the default gateway only logs.
CREATE TABLE sms_outbox (
  id                   bigserial PRIMARY KEY,
  message_key          text NOT NULL UNIQUE,
  request_id           text,
  purpose              text NOT NULL,
  recipient_staff_id   text,
  recipient_phone      text NOT NULL,
  body                 text NOT NULL,
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  provider_message_id  text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz
);
CREATE INDEX sms_outbox_request ON sms_outbox (request_id);

-- The accountability ledger (R14, R20): one record per breached stage and cycle.
CREATE TABLE accountability_records (
  id                    bigserial PRIMARY KEY,
  request_id            text NOT NULL,
  stage                 text NOT NULL,
  cycle                 integer NOT NULL,
  rule                  text NOT NULL,
  deadline              timestamptz NOT NULL,
  breached_at           timestamptz NOT NULL,
  responsible_staff_id  text,
  status                text NOT NULL DEFAULT 'open',
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_id, stage, cycle)
);
