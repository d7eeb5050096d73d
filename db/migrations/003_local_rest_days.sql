-- Operators' local rest days (R9, R10): added at run time, on top of the official calendar file.
CREATE TABLE local_rest_days (
  day        date PRIMARY KEY,
  reason     text NOT NULL,
  added_by   text NOT NULL REFERENCES staff(id),
  added_at   timestamptz NOT NULL DEFAULT now()
);
