-- Organisation history (R5), roster positions, the accountability ledger's lifecycle (R20–R25) and
-- API keys. Written to apply to an empty database and to one holding data from 001.

CREATE TABLE companies (
  id    text PRIMARY KEY,
  name  text NOT NULL
);
INSERT INTO companies (id, name) VALUES ('company', 'The operator') ON CONFLICT DO NOTHING;
ALTER TABLE branches ADD COLUMN company_id text REFERENCES companies(id);
UPDATE branches SET company_id = 'company' WHERE company_id IS NULL;
ALTER TABLE branches ALTER COLUMN company_id SET NOT NULL;

-- Append-only audit of every organisation change: who covered what, and when (R5).
CREATE TABLE org_changes (
  id          bigserial PRIMARY KEY,
  entity      text NOT NULL CHECK (entity IN ('company', 'branch', 'region', 'staff', 'shift')),
  entity_id   text NOT NULL,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  changed_by  text,
  before      jsonb,
  after       jsonb
);
CREATE INDEX org_changes_entity ON org_changes (entity, entity_id, changed_at);

-- Who managed each region over time; the open row (valid_to NULL) is the current manager.
CREATE TABLE region_managers (
  region_id   text NOT NULL REFERENCES regions(id),
  staff_id    text NOT NULL REFERENCES staff(id),
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz,
  CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX region_managers_current ON region_managers (region_id) WHERE valid_to IS NULL;
INSERT INTO region_managers (region_id, staff_id, valid_from)
  SELECT id, customer_manager_id, now() FROM regions WHERE customer_manager_id IS NOT NULL;

-- Roster: each shift is the region's primary on-duty technician or its backup.
ALTER TABLE duty_shifts ADD COLUMN position text NOT NULL DEFAULT 'primary' CHECK (position IN ('primary', 'backup'));
ALTER TABLE duty_shifts ADD COLUMN cancelled_at timestamptz;

-- First contact (R1): owners list their requests.
CREATE INDEX service_requests_owner ON service_requests (first_contact_staff_id);
CREATE INDEX service_requests_technician ON service_requests (technician_id);

-- Accountability ledger lifecycle: statement (R25) → supervisor's decision (R21, R22, R24).
ALTER TABLE accountability_records ADD COLUMN aggravated boolean NOT NULL DEFAULT false;
ALTER TABLE accountability_records ADD COLUMN statement_due_at timestamptz;
ALTER TABLE accountability_records ADD COLUMN statement text;
ALTER TABLE accountability_records ADD COLUMN statement_at timestamptz;
ALTER TABLE accountability_records ADD COLUMN outcome text
  CHECK (outcome IN ('warning', 'best_in_class_revoked', 'criticism_notice', 'exempt'));
ALTER TABLE accountability_records ADD COLUMN sanction text;
ALTER TABLE accountability_records ADD COLUMN mitigating text[] NOT NULL DEFAULT '{}';
ALTER TABLE accountability_records ADD COLUMN decided_by text;
ALTER TABLE accountability_records ADD COLUMN decided_at timestamptz;
ALTER TABLE accountability_records ADD COLUMN decision_note text;
UPDATE accountability_records SET statement_due_at = breached_at + interval '72 hours' WHERE statement_due_at IS NULL;
ALTER TABLE accountability_records ADD CONSTRAINT accountability_status
  CHECK (status IN ('open', 'statement_filed', 'decided'));
CREATE INDEX accountability_responsible ON accountability_records (responsible_staff_id, breached_at);

-- Nothing is deleted: every change to a record is kept.
CREATE TABLE accountability_events (
  id         bigserial PRIMARY KEY,
  record_id  bigint NOT NULL REFERENCES accountability_records(id),
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text,
  type       text NOT NULL CHECK (type IN ('opened', 'statement_filed', 'decided')),
  detail     jsonb
);
INSERT INTO accountability_events (record_id, at, type, detail)
  SELECT id, created_at, 'opened', jsonb_build_object('rule', rule, 'stage', stage, 'backfilled', true) FROM accountability_records;

-- API keys: each tied to one staff member; only a hash is stored.
CREATE TABLE api_keys (
  id          bigserial PRIMARY KEY,
  staff_id    text NOT NULL REFERENCES staff(id),
  key_hash    text NOT NULL UNIQUE,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
