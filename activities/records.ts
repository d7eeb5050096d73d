/** The request registry row and its timeline, written in one transaction. */
import { inTransaction } from '../db/pool';
import { registryRowOfRepair, registryRowOfService, saveProgress } from '../db/requests';
import type { RequestStatus, TimelineEvent } from '../domain/request';
import type { ServiceStatus } from '../domain/service-request';
import type { ActivityDeps } from './deps';

export function recordActivities(deps: ActivityDeps) {
  return {
    async recordProgress(snapshot: RequestStatus, events: TimelineEvent[]): Promise<void> {
      await inTransaction(deps.pool, (client) => saveProgress(client, registryRowOfRepair(snapshot), events));
    },
    async recordServiceProgress(snapshot: ServiceStatus, events: TimelineEvent[]): Promise<void> {
      await inTransaction(deps.pool, (client) => saveProgress(client, registryRowOfService(snapshot), events));
    },
  };
}
