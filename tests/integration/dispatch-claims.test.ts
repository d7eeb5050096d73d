/**
 * Dispatch rounds in PostgreSQL (R4, R33): the first claim wins; a close claims the round for
 * nobody, so a dispatch after it loses, and a close after a dispatch learns who holds the job.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimRound, closeRound } from '../../db/dispatch';
import { loadDemoData } from '../../db/demo-data';
import { createPool, type Pool } from '../../db/pool';

let pool: Pool;
beforeAll(async () => {
  pool = createPool(inject('databaseUrl'));
  await loadDemoData(pool);
});
afterAll(async () => {
  await pool?.end();
});
const run = Date.now().toString(36); // a fresh pair of request numbers on every run
const requestId = (n: number) => `SR-claims-${run}-${n}`;

describe('a close and a dispatch racing for one round', () => {
  it('a close first: the later dispatch finds the round closed (nobody holds it)', async () => {
    const id = requestId(1);
    expect(await closeRound(pool, id, 0)).toEqual({ technicianId: null, claimedBy: 'closed' });
    expect(await claimRound(pool, id, 0, 'tech-north-1', 'roster')).toEqual({ technicianId: null, claimedBy: 'closed' });
  });

  it('a dispatch first: the close learns who holds the job, and the round stays theirs', async () => {
    const id = requestId(2);
    expect(await claimRound(pool, id, 0, 'tech-north-1', 'roster')).toEqual({ technicianId: 'tech-north-1', claimedBy: 'roster' });
    expect(await closeRound(pool, id, 0)).toEqual({ technicianId: 'tech-north-1', claimedBy: 'roster' });
    expect(await claimRound(pool, id, 0, 'tech-north-2', 'agent-1')).toEqual({ technicianId: 'tech-north-1', claimedBy: 'roster' });
  });
});
