/** API keys: each tied to one staff member; only a SHA-256 hash is stored, the key is shown once. */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { findStaff, type StaffMember } from './organisation';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function staffForApiKey(pool: Pool, key: string): Promise<StaffMember | undefined> {
  const { rows } = await pool.query<{ staff_id: string }>(
    'SELECT staff_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashApiKey(key)],
  );
  if (!rows[0]) return undefined;
  const staff = await findStaff(pool, rows[0].staff_id);
  return staff?.active ? staff : undefined;
}

/** Issues a new key for a staff member and returns it; it cannot be read back later. */
export async function issueApiKey(pool: Pool, staffId: string, label: string): Promise<{ id: number; key: string }> {
  const key = `sc_${randomBytes(24).toString('base64url')}`;
  const { rows } = await pool.query<{ id: number }>(
    'INSERT INTO api_keys (staff_id, key_hash, label) VALUES ($1, $2, $3) RETURNING id::int AS id',
    [staffId, hashApiKey(key), label],
  );
  return { id: rows[0].id, key };
}

/** Stores a known key (demo data); idempotent. */
export async function storeApiKey(pool: Pool, staffId: string, key: string, label: string): Promise<void> {
  await pool.query('INSERT INTO api_keys (staff_id, key_hash, label) VALUES ($1, $2, $3) ON CONFLICT (key_hash) DO NOTHING', [
    staffId, hashApiKey(key), label,
  ]);
}

export async function revokeApiKeys(pool: Pool, staffId: string): Promise<number> {
  const { rowCount } = await pool.query('UPDATE api_keys SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL', [staffId]);
  return rowCount ?? 0;
}
