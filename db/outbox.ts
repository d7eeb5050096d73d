/** The SMS outbox: one row per message key, so a retried send never texts twice. */
import type { Pool } from 'pg';

export interface OutgoingSms {
  /** Unique per cause and recipient, e.g. `SR-…/dispatch/tech-1` or `SR-…/contact/0/alert/cm-1`. */
  key: string;
  requestId: string;
  purpose: 'job' | 'alert' | 'notice';
  recipientStaffId: string;
  recipientPhone: string;
  body: string;
}

export interface OutboxRow {
  id: number;
  status: 'pending' | 'sent' | 'failed';
  lastError: string | null;
}

/** Stores the message unless it is there already; returns the row either way. */
export async function enqueueSms(pool: Pool, sms: OutgoingSms): Promise<OutboxRow> {
  await pool.query(
    `INSERT INTO sms_outbox (message_key, request_id, purpose, recipient_staff_id, recipient_phone, body)
     VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (message_key) DO NOTHING`,
    [sms.key, sms.requestId, sms.purpose, sms.recipientStaffId, sms.recipientPhone, sms.body],
  );
  const { rows } = await pool.query<OutboxRow>('SELECT id::int AS id, status, last_error AS "lastError" FROM sms_outbox WHERE message_key = $1', [sms.key]);
  return rows[0];
}

export async function markSmsSent(pool: Pool, id: number, providerMessageId: string): Promise<void> {
  await pool.query(
    `UPDATE sms_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, provider_message_id = $2, last_error = NULL
      WHERE id = $1`,
    [id, providerMessageId],
  );
}

/** The gateway refused it for good (bad number): kept as failed, never sent again. */
export async function markSmsGivenUp(pool: Pool, id: number, error: string): Promise<void> {
  await pool.query("UPDATE sms_outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1", [id, error]);
}

export async function markSmsFailed(pool: Pool, id: number, error: string): Promise<void> {
  await pool.query('UPDATE sms_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [id, error]);
}
