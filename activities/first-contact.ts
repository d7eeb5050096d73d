/** R1: the first-contact owner keeps track of the request and is told when it closes. */
import { findStaff } from '../db/organisation';
import type { ActivityDeps } from './deps';
import { deliverSms } from './sms';
import type { ClosingNotice } from './types';

export function firstContactActivities(deps: ActivityDeps) {
  return {
    async notifyFirstContact(notice: ClosingNotice): Promise<void> {
      const owner = await findStaff(deps.pool, notice.firstContactStaffId);
      if (!owner) {
        deps.logger.warn({ notice }, 'First-contact owner no longer on record; closing notice not sent');
        return;
      }
      await deliverSms(deps.pool, deps.sms, {
        key: `${notice.requestId}/closed/${owner.id}`,
        requestId: notice.requestId,
        purpose: 'notice',
        recipientStaffId: owner.id,
        recipientPhone: owner.phone,
        body: `[${notice.requestId}] closed: ${notice.summary}. Tell the customer the result (R1).`,
      });
    },
  };
}
