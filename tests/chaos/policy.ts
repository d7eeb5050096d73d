/**
 * The chaos policy: a copy of config/policy.json whose clock limits and ladders are a few seconds,
 * so every clock can be met or missed within a run. Working-day clocks stay working days where the
 * chaos paths finish the stage by an action (installation and reconnection completion).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_POLICY_FILE } from '../../config/policy';
import { policyProblems, type ClockPolicy, type Policy } from '../../domain/policy';

const minutes = (s: number) => ({ minutes: s / 60 });
const hours = (s: number) => s / 3600;

/** Seconds of every clock the paths rely on (the paths read these, never guess them). */
export const LIMITS = {
  dispatch: 5,
  contact: 6,
  arrivalGrace: 4,
  resolutionGeneral: 20,
  resolutionMajor: 30,
  callback: 10,
  installationArrivalGrace: 4,
  complaintFirstResponse: 10,
  complaintHandling: 6,
  consultationResponse: 6,
  unreachableReport: 8,
  ruralPaperwork: 10,
  maxPause: 30,
} as const;

/** Ladder levels after the deadline, in seconds: level 1 at the deadline, later ones a few seconds apart. */
function ladder(clock: ClockPolicy, offsetsS: number[]): void {
  clock.ladder = clock.ladder.map((level, i) => ({ ...level, afterHours: hours(offsetsS[Math.min(i, offsetsS.length - 1)]) }));
}

export function chaosPolicy(source = DEFAULT_POLICY_FILE): Policy {
  const policy = JSON.parse(readFileSync(source, 'utf8')) as Policy;
  policy.version = `${policy.version}-chaos`;
  policy.clock.unreachableReportHours = hours(LIMITS.unreachableReport);
  policy.clock.maxPauseHours = hours(LIMITS.maxPause);
  const clock = (kind: keyof Policy['kinds'], name: string) => {
    const c = policy.kinds[kind].clocks.find((x) => x.clock === name);
    if (!c) throw new Error(`The policy has no clock ${kind}.${name}; update tests/chaos/policy.ts`);
    return c;
  };

  const fr = 'fault_repair';
  Object.assign(clock(fr, 'dispatch'), { limit: minutes(LIMITS.dispatch) });
  ladder(clock(fr, 'dispatch'), [0, 3, 6]);
  Object.assign(clock(fr, 'contact'), { limit: minutes(LIMITS.contact) });
  ladder(clock(fr, 'contact'), [0, 3]);
  Object.assign(clock(fr, 'arrival'), { limit: minutes(LIMITS.arrivalGrace) });
  ladder(clock(fr, 'arrival'), [0, 3]);
  Object.assign(clock(fr, 'resolution'), { limit: { bySeverity: { general: minutes(LIMITS.resolutionGeneral), major: minutes(LIMITS.resolutionMajor) } } });
  ladder(clock(fr, 'resolution'), [0, 4]);
  Object.assign(clock(fr, 'callback'), { limit: minutes(LIMITS.callback) });
  ladder(clock(fr, 'callback'), [0, 3]);

  for (const kind of ['installation_city', 'installation_rural'] as const) {
    Object.assign(clock(kind, 'arrival'), { limit: minutes(LIMITS.installationArrivalGrace) });
    ladder(clock(kind, 'arrival'), [0, 3]);
    Object.assign(clock(kind, 'callback'), { limit: minutes(LIMITS.callback) });
    ladder(clock(kind, 'callback'), [0, 3]);
    // completion stays in working days (R9): the paths complete it by hand.
  }
  policy.kinds.installation_rural.paperworkLimitHours = hours(LIMITS.ruralPaperwork);

  Object.assign(clock('complaint', 'first_response'), { limit: minutes(LIMITS.complaintFirstResponse) });
  ladder(clock('complaint', 'first_response'), [0, 3]);
  Object.assign(clock('complaint', 'handling'), { limit: minutes(LIMITS.complaintHandling) });
  ladder(clock('complaint', 'handling'), [0, 3, 6]);
  Object.assign(clock('complaint', 'callback'), { limit: minutes(LIMITS.callback) });
  ladder(clock('complaint', 'callback'), [0, 3]);

  Object.assign(clock('consultation', 'response'), { limit: minutes(LIMITS.consultationResponse) });
  // reconnection completion stays in working days (R10).

  const problems = policyProblems(policy);
  if (problems.length > 0) throw new Error(`The chaos policy is invalid:\n  - ${problems.join('\n  - ')}`);
  return policy;
}

export function writeChaosPolicy(file: string): Policy {
  const policy = chaosPolicy();
  writeFileSync(file, `${JSON.stringify(policy, null, 2)}\n`);
  return policy;
}
