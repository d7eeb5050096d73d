/** R4: the job SMS to the region's on-duty technician, or to a technician an agent names. */
import { ApplicationFailure } from '@temporalio/activity';
import { findOnDutyTechnician, findStaff, type StaffMember } from '../db/organisation';
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
  return {
    async dispatchToOnDutyTechnician(job: DispatchJob): Promise<AssignedTechnician> {
      const technician = await findOnDutyTechnician(deps.pool, job.regionId, deps.now());
      if (!technician) {
        // Retryable: someone may come on duty; the workflow escalates at the R4 deadline meanwhile.
        throw ApplicationFailure.retryable(`No technician is on duty in region ${job.regionId}`, 'NoTechnicianOnDuty');
      }
      return sendJob(deps, job, technician);
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
