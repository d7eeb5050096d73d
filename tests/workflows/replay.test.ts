/**
 * Histories recorded from the stage engine (tests/histories/*.json) replay on the current code:
 * a change that would break running requests fails here. Record them again with
 * `RECORD_HISTORIES=1 npx vitest run tests/workflows/engine.test.ts tests/workflows/engine-corrections.test.ts`
 * only when no request runs on the old code; otherwise keep them and patch the change.
 * A negative control replays one on a deliberately changed engine and must fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';
import { historyFromJson } from '../support/histories';

const HISTORIES_DIR = path.join(__dirname, '..', 'histories');
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) => historyFromJson(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
const CHANGED_ENGINE = path.join(__dirname, 'fixtures', 'changed-engine.ts');

describe('recorded histories replay on the current workflow code', () => {
  it('has a recorded history for every path that matters', () => {
    expect(files).toEqual(expect.arrayContaining([
      'on-time-fault-repair.json',
      'dispatch-breach-ladder-manual-dispatch.json',
      'contact-breach-r8-breach-at-contact.json',
      'arrival-breach-r8-breach-at-arrival.json',
      'callback-breach-then-reopen.json',
      'installation-paperwork-then-breach.json',
      'complaint-handling-breach-while-response-open.json',
      'extension-approved-then-breach.json',
      'pause-overdue-then-resume.json',
      'unreachable-report-missed.json',
      'cancel-at-contact.json',
      'reassign-at-contact.json',
      // behind patched('late-actions-take-passed-steps'):
      'cancel-overtakes-roster-dispatch.json',
      'report-filed-after-close.json',
      'contact-recorded-late-while-no-worker.json',
    ]));
  });

  it('replays every one without a nondeterminism error', async () => {
    const histories = files.map((file) => ({ workflowId: path.basename(file, '.json'), history: load(file) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });

  it('NEGATIVE CONTROL: a deliberately changed engine (no patch) fails to replay with a nondeterminism error', async () => {
    const err = await Worker.runReplayHistory({ workflowsPath: CHANGED_ENGINE }, load('on-time-fault-repair.json'), 'negative-control').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
  });

  it('keeps the policy snapshot in the input and the working-day deadline as an activity result in history', () => {
    const events = load('installation-paperwork-then-breach.json').events ?? [];
    const input = JSON.parse(Buffer.from(events[0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString());
    expect(input.policy).toMatchObject({ version: expect.any(String), kind: 'installation_city' });
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(scheduled).toContain('workingDeadline');
  });
});
