/**
 * R4, R33: the job SMS to the region's on-duty technician, or to a technician a person names. Both
 * claim the request's dispatch round first: the first claim wins and only its caller sends the job
 * SMS; a caller that lost learns who holds the job. So the roster and an agent racing can never
 * both text a technician, and the agent's answer names the one who has the job.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { claimRound, closeRound, releaseRound } from '../db/dispatch';
import { findOnDutyTechnician, findStaff, staffInRoleFor, type StaffMember } from '../db/organisation';
import type { AssignedTechnician } from '../domain/request';
import type { ActivityDeps } from './deps';
import { deliverSms, isPermanentSmsFailure } from './sms';
import { BAD_RECIPIENT, ROUND_CLOSED, UNKNOWN_TECHNICIAN, type DispatchAsk, type DispatchOutcome } from './types';

const asTechnician = (m: StaffMember): AssignedTechnician => ({ staffId: m.id, name: m.name, phone: m.phone });

export function dispatchActivities(deps: ActivityDeps) {
  /** R5: with neither an on-duty technician nor a backup, the region's customer manager hears at once (once per request). */
  async function alertNobodyOnDuty(ask: DispatchAsk, at: Date): Promise<void> {
    for (const manager of await staffInRoleFor(deps.pool, 'customer_manager', ask.regionId, at)) {
      await deliverSms(deps.pool, deps.sms, {
        key: `${ask.requestId}/dispatch/nobody-on-duty/${manager.id}`,
        requestId: ask.requestId,
        purpose: 'alert',
        recipientStaffId: manager.id,
        recipientPhone: manager.phone,
        body: `[${ask.requestId}] 片区 ${ask.regionId} 无人值班（无值班及备班装维人员），请立即安排。工单：${ask.text}`,
      }).catch((err) => deps.logger.warn({ err: (err as Error).message, manager: manager.id }, 'nobody-on-duty alert not delivered'));
    }
  }

  return {
    async dispatchJob(ask: DispatchAsk): Promise<DispatchOutcome> {
      let wanted: StaffMember;
      if (ask.technicianId) {
        const named = await findStaff(deps.pool, ask.technicianId);
        if (!named || named.role !== 'technician' || !named.active) {
          throw ApplicationFailure.nonRetryable(`no active technician has staff id ${ask.technicianId}`, UNKNOWN_TECHNICIAN);
        }
        wanted = named;
      } else {
        const now = deps.now();
        const onDuty = await findOnDutyTechnician(deps.pool, ask.regionId, now);
        if (!onDuty) {
          await alertNobodyOnDuty(ask, now);
          // Retryable: someone may come on duty; the dispatch clock escalates meanwhile.
          throw ApplicationFailure.retryable(`No technician is on duty in region ${ask.regionId}`, 'NoTechnicianOnDuty');
        }
        wanted = onDuty.technician;
      }
      const claim = await claimRound(deps.pool, ask.requestId, ask.round, wanted.id, ask.actorId);
      if (claim.technicianId === null) throw ApplicationFailure.nonRetryable(`request ${ask.requestId} closed before this dispatch; nobody was texted`, ROUND_CLOSED);
      const ours = claim.claimedBy === ask.actorId && (ask.technicianId === undefined || claim.technicianId === ask.technicianId);
      const holder = claim.technicianId === wanted.id ? wanted : await findStaff(deps.pool, claim.technicianId);
      if (!holder) throw ApplicationFailure.nonRetryable(`technician ${claim.technicianId} holding the job is no longer on record`, UNKNOWN_TECHNICIAN);
      if (ours) {
        try {
          await deliverSms(deps.pool, deps.sms, {
            key: `${ask.requestId}/job/${ask.round}/${holder.id}`,
            requestId: ask.requestId,
            purpose: 'job',
            recipientStaffId: holder.id,
            recipientPhone: holder.phone,
            body: ask.text,
          });
        } catch (err) {
          if (isPermanentSmsFailure(err)) {
            await releaseRound(deps.pool, ask.requestId, ask.round, holder.id, ask.actorId); // nobody holds a job they were never told of
            throw ApplicationFailure.nonRetryable(`the job SMS to ${holder.id} was refused: ${err.message}`, BAD_RECIPIENT);
          }
          throw err;
        }
        await deps.pool.query('UPDATE service_requests SET technician_id = $2 WHERE id = $1', [ask.requestId, holder.id]);
      }
      return { technician: asTechnician(holder), won: ours, claimedBy: claim.claimedBy };
    },

    async closeRound(ask: { requestId: string; round: number }): Promise<{ technician?: AssignedTechnician; claimedBy?: string }> {
      const claim = await closeRound(deps.pool, ask.requestId, ask.round);
      if (claim.technicianId === null) return {};
      const holder = await findStaff(deps.pool, claim.technicianId);
      return holder ? { technician: asTechnician(holder), claimedBy: claim.claimedBy } : {};
    },
  };
}
