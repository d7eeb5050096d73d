/**
 * The escalation ladder of one stage, shared by every request workflow: a warning at a share of
 * the period, level 1 at the deadline, further levels at the deadline plus their offsets; each step
 * once, re-armed when the deadline moves, held while the clock is paused, stopped when the stage
 * is met. Workflow code: timers only, the steps' effects are the caller's.
 */
import { condition } from '@temporalio/workflow';
import { HOUR_MS } from '../domain/policy';
import type { LadderPlan } from '../domain/service-policy';

export interface LadderRun {
  plan: LadderPlan;
  startedAt: number;
  due: () => number;
  met: () => boolean;
  paused?: () => boolean;
  summary: (step: number) => string;
  /** step 0 is the warning; n ≥ 1 is ladder level n. */
  onStep: (step: number, due: number) => Promise<void> | void;
}

export async function runLadder({ plan, startedAt, due, met, paused = () => false, summary, onStep }: LadderRun): Promise<void> {
  const fired = new Set<number>();
  const steps = [...(plan.warningAt > 0 ? [0] : []), ...plan.ladder.map((_, i) => i + 1)];
  const timeOf = (step: number, deadline: number) =>
    step === 0 ? startedAt + plan.warningAt * (deadline - startedAt) : deadline + plan.ladder[step - 1].afterHours * HOUR_MS;
  while (!met()) {
    if (paused()) {
      await condition(() => met() || !paused());
      continue;
    }
    const deadline = due();
    const next = steps.filter((s) => !fired.has(s)).sort((a, b) => timeOf(a, deadline) - timeOf(b, deadline))[0];
    if (next === undefined) {
      await condition(met);
      break;
    }
    const wait = timeOf(next, deadline) - Date.now();
    if (wait > 0) {
      await condition(() => met() || due() !== deadline || paused(), wait, { summary: summary(next) });
      continue;
    }
    fired.add(next);
    if (next === 0 && deadline <= Date.now()) continue; // the deadline came first (a pause skipped the warning time)
    await onStep(next, deadline);
  }
}
