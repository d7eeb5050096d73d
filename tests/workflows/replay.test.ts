/**
 * Histories recorded from earlier versions of the workflow (tests/histories/*.json) must replay
 * on the current code: a change that would break running requests fails here. Record new ones
 * with `RECORD_HISTORIES=1 npm test -- tests/workflows/repair-request.test.ts`, and keep the old.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';
import { historyFromJson } from '../support/histories';

const HISTORIES_DIR = path.join(__dirname, '..', 'histories');
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('recorded histories replay on the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.filter((f) => f.startsWith('v1-')).length).toBeGreaterThanOrEqual(4); // before the R1 closing-notice patch
    expect(files.filter((f) => f.startsWith('v2-')).length).toBeGreaterThanOrEqual(4); // with it
  });

  it('replays every one without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJson(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('policy and calendar changes never reach a running request', () => {
  it('keeps the policy snapshot in the input and the working-day deadline as an activity result in history', () => {
    const history = historyFromJson(readFileSync(path.join(HISTORIES_DIR, 'v2-installation-paperwork-then-callback.json'), 'utf8'));
    const events = history.events ?? [];
    const started = events[0].workflowExecutionStartedEventAttributes!;
    const input = JSON.parse(Buffer.from(started.input!.payloads![0].data!).toString());
    expect(input.policy).toMatchObject({ version: expect.any(String), kind: 'installation_city' });
    expect(input.policy.kindPolicy.stages[0].limit).toEqual({ workingDays: 5 });
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(scheduled).toContain('workingDeadline');
  });
});
