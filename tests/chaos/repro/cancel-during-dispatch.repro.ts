/**
 * A cancel while the roster dispatch is in flight: the dispatch claims the job and texts the
 * technician, the workflow (closed by then) ignores its result, and nobody tells the technician
 * the job is off. Time-skipping server, fake activities (the roster dispatch takes 2 s).
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cancelUpdate, statusQuery } from '../../../workflows/messages';
import { serviceRequest } from '../../../workflows/service-request';
import { fakeActivities, requestInput, staff, startEngine, TECH, type Engine } from '../../support/engine';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(async () => {
  await engine?.env.teardown();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('the technician texted by a dispatch the cancel overtook is told the job is off', async () => {
  const { env, bundle } = engine;
  let texted = false;
  const fake = fakeActivities({
    roster: async () => {
      await pause(2000); // the job SMS goes out while the cancel is recorded
      texted = true;
      return { technician: TECH, won: true, claimedBy: 'roster' };
    },
  });
  const start = requestInput('fault_repair', Date.now());
  const taskQueue = `repro-${start.requestId}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
    for (let i = 0; i < 50 && fake.calls.dispatches.length === 0; i += 1) await pause(50);
    await handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: 'duplicate' }] });
    for (let i = 0; i < 60 && !texted; i += 1) await pause(100);
    await pause(1000);
    expect(texted).toBe(true);
    expect((await handle.query(statusQuery)).outcome).toBe('cancelled');
    // Today: no message to the technician who got the job SMS.
    expect(fake.calls.messages.filter((m) => m.to.staffId === TECH.staffId && m.purpose === 'notice')).toHaveLength(1);
  });
});
