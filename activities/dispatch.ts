/** R4: the job SMS to the region's on-duty technician, or to a technician an agent names. */
import { ApplicationFailure } from '@temporalio/activity';
import { findOnDutyTechnician, findStaff, staffInRoleFor, type StaffMember } from '../db/organisation';
import type { AssignedTechnician } from '../domain/request';
import type { ActivityDeps } from './deps';
import { deliverSms } from './sms';
import type { DispatchJob } from './types';

async function sendJob(deps: ActivityDeps, job: DispatchJob, technician: StaffMember): Promise<AssignedTechnician> {
  await deliverSms(deps.pool, deps.sms, {
    key: `${job.requestId}/dispatch/${technician.id}`,
    requestId: job.requestId,
    purpose: 'job',
    recipientStaffId: technician.id,
    recipientPhone: technician.phone,
    body: job.text,
  });
  return { staffId: technician.id, name: technician.name, phone: technician.phone };
}

export function dispatchActivities(deps: ActivityDeps) {
  /** R5: with neither an on-duty technician nor a backup, the region's customer manager hears at once (once per request). */
  async function alertNobodyOnDuty(job: DispatchJob, at: Date): Promise<void> {
    for (const manager of await staffInRoleFor(deps.pool, 'customer_manager', job.regionId, at)) {
      await deliverSms(deps.pool, deps.sms, {
        key: `${job.requestId}/dispatch/nobody-on-duty/${manager.id}`,
        requestId: job.requestId,
        purpose: 'alert',
        recipientStaffId: manager.id,
        recipientPhone: manager.phone,
        body: `[${job.requestId}] Nobody is on duty in region ${job.regionId} (no technician, no backup): assign someone now. Job: ${job.text}`,
      });
    }
  }

  return {
    async dispatchToOnDutyTechnician(job: DispatchJob): Promise<AssignedTechnician> {
      const now = deps.now();
      const onDuty = await findOnDutyTechnician(deps.pool, job.regionId, now);
      if (!onDuty) {
        await alertNobodyOnDuty(job, now);
        // Retryable: someone may come on duty; the workflow escalates at the R4 deadline meanwhile.
        throw ApplicationFailure.retryable(`No technician is on duty in region ${job.regionId}`, 'NoTechnicianOnDuty');
      }
      return sendJob(deps, job, onDuty.technician);
    },

    async dispatchToTechnician(job: DispatchJob & { technicianId: string }): Promise<AssignedTechnician> {
      const technician = await findStaff(deps.pool, job.technicianId);
      if (!technician || technician.role !== 'technician' || !technician.active) {
        throw ApplicationFailure.nonRetryable(`No active technician has staff id ${job.technicianId}`, 'UnknownTechnician');
      }
      return sendJob(deps, job, technician);
    },
  };
}
