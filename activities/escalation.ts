/**
 * A missed limit: the accountability record (R14, R20) and one alert per leader, each keyed by the
 * breach (request, stage, cycle) so retries and restarts never double them.
 */
import { recordBreach } from '../db/accountability';
import { staffInRoleFor, type StaffMember } from '../db/organisation';
import { STAGE_RULES } from '../domain/escalation';
import type { ActivityDeps } from './deps';
import { deliverSms } from './sms';
import type { BreachNotice, EscalationOutcome } from './types';

export function escalationActivities(deps: ActivityDeps) {
  async function responsibleFor(notice: BreachNotice, at: Date): Promise<string | null> {
    const { responsible } = STAGE_RULES[notice.stage];
    if (responsible === 'technician') return notice.technicianId ?? null;
    const holders = await staffInRoleFor(deps.pool, responsible, notice.regionId, at);
    return holders[0]?.id ?? null;
  }

  return {
    async escalateBreach(notice: BreachNotice): Promise<EscalationOutcome> {
      const at = new Date(notice.breachedAt);
      const responsibleStaffId = await responsibleFor(notice, at);
      const accountabilityRecordId = await recordBreach(deps.pool, { ...notice, responsibleStaffId });

      const recipients = new Map<string, StaffMember>();
      for (const role of STAGE_RULES[notice.stage].alert) {
        for (const member of await staffInRoleFor(deps.pool, role, notice.regionId, at)) recipients.set(member.id, member);
      }
      const text =
        `[${notice.requestId}] ${notice.rule} breached at stage ${notice.stage}: ${notice.limit} was due ` +
        `${notice.deadline}. Responsible: ${responsibleStaffId ?? 'unassigned'}. Accountability record #${accountabilityRecordId}.`;
      for (const member of recipients.values()) {
        await deliverSms(deps.pool, deps.sms, {
          key: `${notice.requestId}/${notice.stage}/${notice.cycle}/alert/${member.id}`,
          requestId: notice.requestId,
          purpose: 'alert',
          recipientStaffId: member.id,
          recipientPhone: member.phone,
          body: text,
        });
      }
      if (recipients.size === 0) deps.logger.error({ notice }, 'Breach with nobody to alert: the organisation has no holder of the alerted roles');
      return { accountabilityRecordId, responsibleStaffId: responsibleStaffId ?? 'unassigned', alerted: [...recipients.keys()] };
    },
  };
}
