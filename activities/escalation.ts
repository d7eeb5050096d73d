/**
 * A missed limit: the accountability record (R14, R20) and one alert per leader, each keyed by the
 * breach (request, stage, cycle, level) so retries and restarts never double them. Repair stages
 * take their roles from STAGE_RULES; other kinds pass their policy ladder's roles.
 */
import { recordBreach } from '../db/accountability';
import { findStaff, staffInRoleFor, type StaffMember } from '../db/organisation';
import { STAGE_RULES } from '../domain/escalation';
import type { RepairStage, StaffRole } from '../domain/kinds';
import type { ActivityDeps } from './deps';
import { deliverSms } from './sms';
import type { BreachNotice, EscalationOutcome, RoleNotice } from './types';

export function escalationActivities(deps: ActivityDeps) {
  async function holders(roles: readonly StaffRole[], regionId: string, at: Date): Promise<Map<string, StaffMember>> {
    const found = new Map<string, StaffMember>();
    for (const role of roles) for (const member of await staffInRoleFor(deps.pool, role, regionId, at)) found.set(member.id, member);
    return found;
  }

  async function responsibleFor(notice: BreachNotice, at: Date): Promise<string | null> {
    if (notice.responsibleStaffId) return notice.responsibleStaffId;
    const responsible = notice.responsible ?? STAGE_RULES[notice.stage as RepairStage].responsible;
    if (responsible === 'technician') return notice.technicianId ?? null;
    return (await staffInRoleFor(deps.pool, responsible, notice.regionId, at))[0]?.id ?? null;
  }

  return {
    async escalateBreach(notice: BreachNotice): Promise<EscalationOutcome> {
      const at = new Date(notice.breachedAt);
      const level = notice.level ?? 1;
      const responsibleStaffId = await responsibleFor(notice, at);
      // Level 1 is the breach itself and writes the record; later levels only alert higher up.
      const accountabilityRecordId = level === 1 ? await recordBreach(deps.pool, { ...notice, responsibleStaffId }) : 0;
      const recipients = await holders(notice.alert ?? STAGE_RULES[notice.stage as RepairStage].alert, notice.regionId, at);
      const text =
        `[${notice.requestId}] ${notice.rule} breached at stage ${notice.stage}${level > 1 ? ` (escalation level ${level})` : ''}: ` +
        `${notice.limit} was due ${notice.deadline}. Responsible: ${responsibleStaffId ?? 'unassigned'}.` +
        (accountabilityRecordId ? ` Accountability record #${accountabilityRecordId}.` : '');
      const levelKey = level === 1 ? '' : `/L${level}`;
      for (const member of recipients.values()) {
        await deliverSms(deps.pool, deps.sms, {
          key: `${notice.requestId}/${notice.stage}/${notice.cycle}${levelKey}/alert/${member.id}`,
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

    async notifyRoles(notice: RoleNotice): Promise<string[]> {
      const recipients = await holders(notice.roles, notice.regionId, deps.now());
      for (const id of notice.staffIds ?? []) {
        const member = await findStaff(deps.pool, id);
        if (member) recipients.set(member.id, member);
      }
      for (const member of recipients.values()) {
        await deliverSms(deps.pool, deps.sms, {
          key: `${notice.key}/${member.id}`,
          requestId: notice.requestId,
          purpose: 'notice',
          recipientStaffId: member.id,
          recipientPhone: member.phone,
          body: notice.text,
        });
      }
      return [...recipients.keys()];
    },
  };
}
