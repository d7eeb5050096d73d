/**
 * One write of a request's records, keyed by what the committed workflow decided: the registry
 * row, the timeline events (request, seq), and for a breach the accountability record (request,
 * clock, cycle) — then who is to be told, as the organisation stood at that moment (R5 history).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { recordBreach } from '../db/accountability';
import { findStaff, staffInRoleFor, type StaffMember } from '../db/organisation';
import { inTransaction } from '../db/pool';
import { registryRow, saveProgress } from '../db/requests';
import type { ActivityDeps } from './deps';
import { deliverSms, isPermanentSmsFailure } from './sms';
import type { Recipient, RecordStep, StepOutcome } from './types';

export function recordActivities(deps: ActivityDeps) {
  async function holders(step: RecordStep): Promise<Map<string, StaffMember>> {
    const found = new Map<string, StaffMember>();
    if (!step.notify) return found;
    const at = new Date(step.notify.at);
    for (const role of step.notify.roles) for (const m of await staffInRoleFor(deps.pool, role, step.status.regionId, at)) found.set(m.id, m);
    for (const id of step.notify.staffIds) {
      const m = await findStaff(deps.pool, id);
      if (m) found.set(m.id, m);
    }
    return found;
  }

  return {
    async recordStep(step: RecordStep): Promise<StepOutcome> {
      const { status } = step;
      await inTransaction(deps.pool, (client) => saveProgress(client, registryRow(status), step.events));
      let recordId: number | undefined;
      let responsibleStaffId = step.breach?.responsibleStaffId;
      if (step.breach) {
        const b = step.breach;
        if (!responsibleStaffId && b.responsibleRole) responsibleStaffId = (await staffInRoleFor(deps.pool, b.responsibleRole, status.regionId, new Date(b.breachedAt)))[0]?.id;
        recordId = await recordBreach(deps.pool, {
          requestId: status.requestId,
          stage: b.clock,
          cycle: b.cycle,
          rule: b.rule,
          deadline: b.deadline,
          breachedAt: b.breachedAt,
          responsibleStaffId: responsibleStaffId ?? null,
          aggravatedFromRecord: b.aggravatedFromRecord,
          statementWindowHours: b.statementWindowHours,
        });
      }
      const found = await holders(step);
      if (step.notify && found.size === 0) deps.logger.error({ requestId: status.requestId, notify: step.notify }, 'Nobody holds the roles to tell: check the organisation');
      const recipients: Recipient[] = [...found.values()].map((m) => ({ staffId: m.id, phone: m.phone }));
      const outcome: StepOutcome = { recipients, ...(recordId !== undefined && { recordId }), ...(responsibleStaffId && { responsibleStaffId }) };
      if (step.notice) {
        const owner = await findStaff(deps.pool, step.notice.staffId);
        if (!owner) return { ...outcome, noticeFailed: `staff member ${step.notice.staffId} is no longer on record` };
        try {
          await deliverSms(deps.pool, deps.sms, { key: step.notice.key, requestId: status.requestId, purpose: 'notice', recipientStaffId: owner.id, recipientPhone: owner.phone, body: step.notice.text });
        } catch (err) {
          if (isPermanentSmsFailure(err)) return { ...outcome, noticeFailed: (err as Error).message };
          throw ApplicationFailure.retryable(`SMS gateway unavailable: ${(err as Error).message}`, 'GatewayUnavailable');
        }
      }
      return outcome;
    },
  };
}
