/**
 * An update delivered in a run's first workflow task (the worker was down or slow at intake) runs
 * when serviceRequest registers its handler, before the function enters its first stage.
 * Time-skipping server, fake activities.
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cancelUpdate, dispatchUpdate, recordPaperworkUpdate, statusQuery } from '../../../workflows/messages';
import { serviceRequest } from '../../../workflows/service-request';
import { fakeActivities, nobodyOnDuty, requestInput, staff, startEngine, type Engine } from '../../support/engine';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(async () => {
  await engine?.env.teardown();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a cancel in the first workflow task leaves the request closed, undispatched', async () => {
  const { env, bundle } = engine;
  const fake = fakeActivities();
  const start = requestInput('fault_repair', Date.now());
  const taskQueue = `repro-${start.requestId}`;
  const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
  const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: 'duplicate' }] });
  await pause(500); // no worker yet: the cancel joins the first workflow task
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    expect((await cancelled).status.stage).toBe('closed');
    await pause(1000);
    const s = await handle.query(statusQuery);
    // Today: stage "dispatch" with outcome "cancelled", and the roster dispatch (job SMS) ran.
    expect(s.stage).toBe('closed');
    expect(fake.calls.dispatches).toHaveLength(0);
  });
});

it('paperwork completed in the first workflow task starts one roster dispatch, not two', async () => {
  const { env, bundle } = engine;
  const roster = nobodyOnDuty();
  const fake = fakeActivities({ roster: roster.roster });
  const start = requestInput('installation_city', Date.now(), { paperwork: { complete: false, missingItems: ['ID card copy'] } });
  const taskQueue = `repro-${start.requestId}`;
  const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
  const recorded = handle.executeUpdate(recordPaperworkUpdate, { args: [{ actor: staff.agent, complete: true, missingItems: [] }] });
  await pause(500);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    await recorded;
    await handle.executeUpdate(dispatchUpdate, { args: [{ actor: staff.agent, technicianId: 'tech-north-1' }] });
    await pause(1500);
    // Today: the first of two roster dispatches is never cancelled and retries for 24 h, holding the run open.
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending.map((a) => a.activityType?.name)).toEqual([]);
  });
});
