/**
 * A stage recorded after its deadline, when no worker ran between the deadline and the action, is
 * recorded on time: no breach, no accountability record, no alert. The ladder's breach timer only
 * starts once its warning timer's task has run, and an update in the same workflow task as a fired
 * timer is applied first. Real dev server (real time), fake activities, a 3-second contact limit.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureTemporalBinaries } from '../../../scripts/temporal-binaries';
import { registerSearchAttributes } from '../../../worker/search-attributes';
import { WORKFLOWS_PATH } from '../../../worker/workflows-path';
import { completeStageUpdate, statusQuery } from '../../../workflows/messages';
import { serviceRequest } from '../../../workflows/service-request';
import { fakeActivities, policyCopy, quietLogger, requestInput, staff } from '../../support/engine';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  const { cli } = ensureTemporalBinaries(() => undefined);
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' } } });
  await registerSearchAttributes(env.connection, 'default');
});
afterAll(async () => {
  await env?.teardown();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('contact recorded 6 s after its deadline while no worker ran is a breach', async () => {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
  const policy = policyCopy();
  policy.kinds.fault_repair.clocks.find((c) => c.clock === 'contact')!.limit = { minutes: 0.05 };
  const fake = fakeActivities();
  const start = requestInput('fault_repair', Date.now(), {}, policy);
  const taskQueue = `late-${start.requestId}`;
  const worker = () => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities, stickyQueueScheduleToStartTimeout: '1s' });
  const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
  await (await worker()).runUntil(async () => {
    for (let i = 0; i < 100 && (await handle.query(statusQuery)).stage !== 'contact'; i += 1) await pause(100);
  });
  await pause(6000); // no worker: the contact deadline passes
  const contact = handle.executeUpdate(completeStageUpdate, { args: [{ actor: staff.tech, stage: 'contact', visitAt: new Date(Date.now() + 3_600_000).toISOString() }] });
  await pause(500);
  await (await worker()).runUntil(async () => {
    const { status } = await contact;
    const clock = status.clocks.find((c) => c.clock === 'contact')!;
    expect(Date.parse(clock.endedAt!)).toBeGreaterThan(Date.parse(clock.deadline!));
    // Today: state met, onTime true, breaches [].
    expect(status.breaches.map((b) => b.clock)).toContain('contact');
  });
});
