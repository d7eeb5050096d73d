/**
 * What a close does to a dispatch in flight, and the events a workflow writes itself (issue:
 * nothing stuck, lost or doubled when processes crash). A cancel that overtakes the roster dispatch
 * claims the dispatch round: a roster that claimed it first gets its technician told the job is
 * off; a roster that comes later loses and texts nobody (R4). An update's events reach the timeline
 * even when no API wrote them (it may have answered 503 before the update committed).
 * The late actions themselves (a limit passing while no worker runs) need a worker really gone and
 * are in tests/chaos/repro. Time-skipping server; activities are the only thing mocked.
 */
import { describe, expect, it } from 'vitest';
import type { DispatchAsk, DispatchOutcome } from '../../activities/types';
import { cancelUpdate, fileUnreachableReportUpdate, reportUnreachableUpdate } from '../../workflows/messages';
import { MIN, TECH, fakeActivities, requestInput, scenario, staff, useEngine, timeline, until, untilStage, type Fake } from '../support/engine';

const engine = useEngine();
const now = () => engine.env.currentTimeMs();
const iso = (ms: number) => new Date(ms).toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a close that overtakes the roster dispatch (R4)', () => {
  async function cancelDuringDispatch(roster: (ask: DispatchAsk, claim: Fake['claim']) => Promise<DispatchOutcome>, recordAs?: string) {
    const holder: { fake?: Fake } = {};
    const fake = fakeActivities({ roster: (ask) => roster(ask, holder.fake!.claim) });
    holder.fake = fake;
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await until(() => expect(fake.calls.dispatches).toHaveLength(1));
      const r = await handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: 'Duplicate call' }] });
      expect(r.status).toMatchObject({ stage: 'closed', outcome: 'cancelled' });
      await handle.result();
    }, recordAs);
    return { fake, start };
  }

  it('the roster claims the round before the cancel: the texted technician is told the job is off, once', async () => {
    const { fake, start } = await cancelDuringDispatch(async (ask, claim) => {
      const held = claim(ask); // claimed and texted …
      await pause(1500); // … while the cancel is recorded
      return held;
    }, 'cancel-overtakes-roster-dispatch');
    expect(fake.calls.closedRounds).toEqual([0]);
    const withdrawals = fake.calls.messages.filter((m) => m.to.staffId === TECH.staffId && m.key.startsWith(`${start.requestId}/job/0/cancelled/`));
    expect(withdrawals).toHaveLength(1);
    expect(withdrawals[0].purpose).toBe('notice');
  });

  it('the cancel claims the round first: the roster loses, texts nobody, and nobody is told anything', async () => {
    let lost = 0;
    const { fake } = await cancelDuringDispatch(async (ask, claim) => {
      await pause(1500); // the cancel claims the round meanwhile
      try {
        return claim(ask);
      } catch (err) {
        lost += 1;
        throw err;
      }
    });
    expect(fake.calls.closedRounds).toEqual([0]);
    expect(lost).toBe(1);
    expect(fake.calls.messages.filter((m) => m.to.staffId === TECH.staffId)).toEqual([]);
  });

  it('a cancel after the dispatch settled claims nothing: the assignee is told once, as before', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'contact');
      await handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: 'Customer fixed it' }] });
      await handle.result();
    });
    expect(fake.calls.closedRounds).toEqual([]);
    expect(fake.calls.messages.filter((m) => m.to.staffId === TECH.staffId && m.key.includes('/cancelled/'))).toHaveLength(1);
  });
});

describe('events no API wrote', () => {
  it('R12: a report filed after the close is written to the timeline by the workflow itself before it ends', async () => {
    const fake = fakeActivities();
    const start = requestInput('complaint', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'response');
      const t = await now();
      await handle.executeUpdate(reportUnreachableUpdate, { args: [{ actor: staff.agent, attempts: [iso(t - 5 * MIN), iso(t)], reason: 'Phone off' }] });
      await handle.executeUpdate(fileUnreachableReportUpdate, { args: [{ actor: staff.agent, report: 'Called twice, phone off' }] });
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
    }, 'report-filed-after-close');
    // No API wrote the update's event here: the workflow's own last write carries it and the final state.
    expect(timeline(fake).map((e) => e.type)).toContain('unreachable_report_filed');
    expect(fake.calls.steps.at(-1)!.status.unreachable[0].reportFiledAt).toBeDefined();
  });
});
