/**
 * Who the signed-in staff member is, as the workflow's validators need it: role, region, branch
 * and the regions they lead (a customer manager's own, a branch leader's branch, the company all).
 * The API authenticates; the workflow decides what this person may do on the request.
 */
import type { FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import type { Actor } from '../domain/request';

export async function actorOf(pool: Pool, req: FastifyRequest): Promise<Actor> {
  const s = req.staff;
  let leads: Actor['leads'] = [];
  if (s.role === 'company_leader') leads = 'all';
  else if (s.role === 'customer_manager') {
    leads = (await pool.query<{ id: string }>('SELECT id FROM regions WHERE customer_manager_id = $1 ORDER BY id', [s.id])).rows.map((r) => r.id);
  } else if (s.role === 'branch_leader') {
    leads = (
      await pool.query<{ id: string }>(
        'SELECT r.id FROM regions r JOIN branches b ON b.id = r.branch_id WHERE b.leader_id = $1 OR r.branch_id = $2 ORDER BY r.id',
        [s.id, s.branchId],
      )
    ).rows.map((r) => r.id);
  }
  return { id: s.id, role: s.role, regionId: s.regionId, branchId: s.branchId, leads };
}
