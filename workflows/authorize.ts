/**
 * Who may do what, decided inside the update validators against the request's own state and
 * policy snapshot (the API only says who the staff member is). Synchronous and side-effect free:
 * a refusal is an ApplicationFailure the API turns into 403 (who) or 409 (the state). Workflow code.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { StaffRole } from '../domain/kinds';
import type { Actor } from '../domain/request';
import { ACTION_NOT_ALLOWED, NOT_FOR_YOU } from './messages';

const ROLE_NAMES: Record<StaffRole | 'assignee', string> = {
  agent: '话务员 (agent)',
  technician: '装维人员 (technician)',
  customer_manager: '客户经理 (customer_manager)',
  call_centre_leader: '话务班长 (call_centre_leader)',
  branch_leader: '分公司领导 (branch_leader)',
  company_leader: '公司领导 (company_leader)',
  supervisor: '监督 (supervisor)',
  admin: '管理员 (admin)',
  assignee: '接单的装维人员 (the assigned technician)',
};

export const roleList = (roles: readonly (StaffRole | 'assignee')[]) => roles.map((r) => ROLE_NAMES[r]).join(', ');

export function refuse(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ACTION_NOT_ALLOWED, message, nonRetryable: true });
}

export function forbid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: NOT_FOR_YOU, message, nonRetryable: true });
}

export const leadsRegion = (actor: Actor, regionId: string) => actor.leads === 'all' || actor.leads.includes(regionId);

/** The actor holds one of the roles; a customer manager only for their own regions. */
export function requireRole(actor: Actor, roles: readonly StaffRole[], regionId: string, what: string): void {
  if (!roles.includes(actor.role)) throw forbid(`${what} is for: ${roleList(roles)}. You are ${ROLE_NAMES[actor.role]}.`);
  if (actor.role === 'customer_manager' && !leadsRegion(actor, regionId)) {
    throw forbid(`${what}: this request is in region ${regionId}, which you (${actor.id}) do not manage.`);
  }
  if (actor.role === 'technician' && actor.regionId !== regionId) {
    throw forbid(`${what}: this request is in region ${regionId}; you (${actor.id}) work in ${actor.regionId ?? 'no region'}.`);
  }
}

/** R13 and force majeure: a leader of the request's region (its customer manager, its branch's leader, the company), never the asker. */
export function requireRegionLeader(actor: Actor, regionId: string, what: string, asker?: string): void {
  const leaders: StaffRole[] = ['customer_manager', 'branch_leader', 'company_leader'];
  if (!leaders.includes(actor.role) || !leadsRegion(actor, regionId)) {
    throw forbid(`${what} is decided by a leader of region ${regionId} (its customer manager, branch leader or the company); you (${actor.id}) are not one.`);
  }
  if (asker !== undefined && asker === actor.id) {
    throw forbid(`${what}: you asked for it yourself; another leader of region ${regionId} must decide (four eyes, R13).`);
  }
}
