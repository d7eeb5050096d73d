/**
 * What an authorisation check needs to know of a request (kind, region, stage): the registry row
 * when written, else the workflow itself (a request a moment old), else 404. Never skipped.
 */
import type { FastifyInstance } from 'fastify';
import { findSnapshot, regionScope } from '../db/requests';
import type { RequestStatus } from '../domain/request';
import type { ServiceStatus } from '../domain/service-request';
import { statusQuery } from '../workflows/messages';
import { HttpError, onRequestWorkflow } from './errors';

export type AnyStatus = RequestStatus | ServiceStatus;
export const isRepair = (s: AnyStatus): s is RequestStatus => s.kind === 'fault_repair';

export async function requestFacts(app: FastifyInstance, requestId: string): Promise<AnyStatus> {
  const recorded = await findSnapshot(app.deps.pool, requestId);
  if (recorded) return recorded;
  return onRequestWorkflow(app.deps.temporal, requestId, () => app.deps.temporal.workflow.getHandle(requestId).query(statusQuery));
}

/** R13 and force majeure: a customer manager decides in their own regions, a branch leader in their branch, the company anywhere. */
export async function requireManagerOf(app: FastifyInstance, staff: { id: string; role: string; branchId: string | null }, request: AnyStatus): Promise<void> {
  if (staff.role === 'company_leader') return;
  const scope = await regionScope(app.deps.pool, request.regionId);
  const own = staff.role === 'customer_manager' ? scope?.customerManagerId === staff.id : staff.role === 'branch_leader' && scope?.branchId === staff.branchId;
  if (!own) {
    throw new HttpError(403, `Request ${request.requestId} is in region ${request.regionId}, outside your regions or branch; its own manager decides.`);
  }
}

/** Technicians and customer managers act on their own region's requests only. */
export async function requireOwnRegion(app: FastifyInstance, staff: { id: string; role: string; regionId: string | null }, request: AnyStatus): Promise<void> {
  if (staff.role === 'technician' && staff.regionId !== request.regionId) {
    throw new HttpError(403, `Request ${request.requestId} is in region ${request.regionId}; you (${staff.id}) work in ${staff.regionId ?? 'no region'}.`);
  }
  if (staff.role === 'customer_manager') {
    const scope = await regionScope(app.deps.pool, request.regionId);
    if (scope?.customerManagerId !== staff.id) {
      throw new HttpError(403, `Request ${request.requestId} is in region ${request.regionId}, which you (${staff.id}) do not manage.`);
    }
  }
}
