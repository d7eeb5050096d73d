-- A request closed while a dispatch was in flight claims that round for nobody: a dispatch that
-- comes later loses and texts no one; one that came first is withdrawn by the close.
ALTER TABLE dispatch_claims ALTER COLUMN technician_id DROP NOT NULL;
