/**
 * `npm run chaos`: nothing stuck, lost or doubled when processes crash.
 *
 * Starts a real PostgreSQL and Temporal dev server on free loopback ports, two worker processes
 * and one API process with a policy of few-second limits (tests/chaos/policy.ts), and drives
 * lifecycles of every path of every kind over HTTP (tests/chaos/paths.ts) while the workers are
 * SIGKILLed at random, the Temporal dev server restarts, PostgreSQL goes down for a while and the
 * API is killed during an intake burst. Once every run has closed it checks PostgreSQL and
 * Temporal against each other (tests/chaos/checks.ts), prints one summary and exits 1 when a
 * check fails. `--size small` (CHAOS_SIZE=small) is the ~3-minute CI run; `--passed-failed` ends
 * with `N passed, N failed`. The run directory .data/chaos/<run> keeps the logs and report.json.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJson } from '../support/histories';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../scripts/temporal-binaries';
import { runChecks, type Check } from './checks';
import { Flow, OutOfTime, races, Refused, sleep } from './flow';
import { Api, httpStats } from './http';
import { Monkey } from './monkey';
import { parseOptions, random } from './options';
import { BURST_PATHS, finish, PATHS, type PathSpec } from './paths';
import { startStack, type Stack } from './stack';

interface LifecycleResult {
  path: string;
  key: string;
  burst: boolean;
  requestId?: string;
  ok: boolean;
  error?: string;
  ms: number;
  expectBreaches: string[];
  createAnswers: Array<{ status: number; requestId?: string }>;
  notes: string[];
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (line: string) => console.log(`[chaos ${elapsed().padStart(6)}] ${line}`);

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const rng = random(options.seed);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${process.pid}`;
  const runs = path.join(PROJECT_ROOT, '.data', 'chaos');
  const dir = path.join(runs, runId);
  mkdirSync(dir, { recursive: true });
  // Keep the last few runs' logs and reports; older run directories go.
  const older = readdirSync(runs).filter((d) => /^\d{8}-\d{6}-\d+$/.test(d) && d !== runId).sort();
  for (const d of older.slice(0, Math.max(0, older.length - 5))) rmSync(path.join(runs, d), { recursive: true, force: true });
  log(`size ${options.size}, seed ${options.seed}, run directory ${path.relative(PROJECT_ROOT, dir)}`);

  let stack: Stack | undefined;
  const stop = async () => {
    await stack?.close().catch(() => undefined);
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    stack = await startStack(dir, log);
    const api = new Api(stack.apiUrl, 'agent-1');
    const monkey = new Monkey(stack, rng, options, log);

    // ---- the lifecycles, shuffled
    const jobs: Array<{ spec: PathSpec; key: string; burst: boolean }> = [];
    for (let r = 0; r < options.repeats; r += 1) for (const spec of PATHS) jobs.push({ spec, key: `chaos-${runId}-${spec.name}-${r}`, burst: false });
    for (let i = jobs.length - 1; i > 0; i -= 1) {
      const j = Math.floor(rng() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
    }
    const total = jobs.length;
    const results: LifecycleResult[] = [];
    let startedCount = 0;

    const runLifecycle = async (job: { spec: PathSpec; key: string; burst: boolean }): Promise<void> => {
      const t0 = Date.now();
      const flow = new Flow(api, job.spec.name, t0 + options.lifecycleBudgetS * 1000);
      const result: LifecycleResult = { path: job.spec.name, key: job.key, burst: job.burst, ok: false, ms: 0, expectBreaches: job.spec.expectBreaches, createAnswers: [], notes: flow.notes };
      results.push(result);
      try {
        await flow.create('agent-1', job.spec.body, job.key, result.createAnswers);
        result.requestId = flow.id;
        await job.spec.drive(flow);
        result.ok = true;
      } catch (err) {
        result.error = err instanceof Refused || err instanceof OutOfTime ? err.message : String((err as Error).stack ?? err);
        result.requestId ??= flow.id || undefined;
      } finally {
        result.ms = Date.now() - t0;
      }
    };

    monkey.start();
    log(`driving ${total} lifecycles (${PATHS.length} paths × ${options.repeats}), ${options.concurrency} at a time, plus an intake burst of ${options.burst}; workers killed every ${options.killEveryS.join('–')} s`);
    const lanes = Array.from({ length: options.concurrency }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        startedCount += 1;
        await runLifecycle(job);
      }
    });

    // ---- the disturbances, one after another while the lifecycles run
    const closedId = () => results.find((r) => r.ok && r.requestId && (r.path.includes('cancelled') || r.path.includes('on-time')))?.requestId ?? results.find((r) => r.requestId)?.requestId;
    const whenStarted = async (share: number) => {
      while (startedCount < Math.ceil(total * share) && jobs.length > 0) await sleep(300);
    };
    const disturbances = (async () => {
      await whenStarted(0.15);
      log(`intake burst of ${options.burst} with the API killed`);
      const burstJobs = Array.from({ length: options.burst }, (_, i) => ({ spec: BURST_PATHS[i % BURST_PATHS.length], key: `chaos-${runId}-burst-${i}`, burst: true }));
      const burst = Promise.all(burstJobs.map((j) => runLifecycle(j)));
      await monkey.killApiDuring(burst, 150 + Math.floor(rng() * 250));
      await whenStarted(0.35);
      await monkey.restartTemporal(api, closedId());
      await whenStarted(0.55);
      await monkey.postgresOutage(options.postgresOutageS, api, closedId());
    })();
    await Promise.all([...lanes, disturbances]);
    await monkey.stop();
    const failedLifecycles = results.filter((r) => !r.ok);
    log(`lifecycles done: ${results.length - failedLifecycles.length} of ${results.length} finished by their path; workers back up`);

    // ---- settle: every run closes (the open ones are finished by hand) within a bound
    const settled = await settle(stack, api, options.settleS);
    log(`settled: ${settled.open} runs still open after ${settled.seconds.toFixed(0)} s (${settled.finished} finished by the settle step)`);

    // ---- checks
    const report = await runChecks({
      pool: stack.pool,
      client: stack.client,
      bundleFile: stack.bundleFile,
      created: results.map((r) => ({ requestId: r.requestId, key: r.key, burst: r.burst, answers: r.createAnswers })),
      races,
      http: httpStats,
      monkey: monkey.stats,
      log,
    });

    // Expectations (information): the clocks each path meant to miss, against what the run recorded.
    let expectedMissing = 0;
    const expectationNotes: string[] = [];
    for (const r of results) {
      const s = r.requestId ? report.facts.get(r.requestId)?.result : undefined;
      if (!s) continue;
      const got = s.breaches.map((b) => (b.cycle ? `${b.clock}@${b.cycle}` : b.clock));
      const missing = r.expectBreaches.filter((b) => !got.includes(b));
      if (missing.length > 0) {
        expectedMissing += 1;
        expectationNotes.push(`${r.path} ${r.requestId}: expected ${missing.join(',')} missed, got [${got.join(',')}]`);
      }
    }

    const slots = [...stack.workers, stack.api].map((s) => s.stats);
    const summary = {
      options,
      seconds: (Date.now() - started) / 1000,
      lifecycles: results,
      checks: report.checks,
      info: report.info,
      monkey: monkey.stats,
      slots,
      http: httpStats,
      races,
      expectationNotes,
    };
    writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
    // The histories behind every failed check and unmet expectation, for replay and reading.
    const flagged = new Set<string>();
    for (const c of report.checks.filter((x) => !x.pass)) for (const d of c.details) for (const id of d.match(/SR-\d{8}-\d+/g) ?? []) flagged.add(id);
    for (const n of expectationNotes) for (const id of n.match(/SR-\d{8}-\d+/g) ?? []) flagged.add(id);
    if (flagged.size > 0) {
      mkdirSync(path.join(dir, 'histories'), { recursive: true });
      for (const id of flagged) {
        const history = report.histories.get(id);
        try {
          if (history) writeFileSync(path.join(dir, 'histories', `${id}.json`), historyToJson(history));
        } catch (err) {
          log(`could not write the history of ${id}: ${(err as Error).message}`);
        }
      }
    }

    printSummary({
      options,
      results,
      checks: report.checks,
      info: report.info,
      monkey,
      slots,
      settled,
      expectedMissing,
      expectationNotes,
      dir,
    });
    const failed = report.checks.filter((c) => !c.pass).length;
    if (options.passedFailedLine) console.log(`${report.checks.length - failed} passed, ${failed} failed`);
    await stack.close();
    stack = undefined;
    if (!options.keep) {
      for (const leftover of ['pg', 'temporal.db', 'temporal.db-wal', 'temporal.db-shm', 'workflow-bundle.js', 'workflow-bundle.manifest.json']) rmSync(path.join(dir, leftover), { recursive: true, force: true });
    }
    return failed === 0 ? 0 : 1;
  } catch (err) {
    console.error(`[chaos] the run itself failed: ${(err as Error).stack ?? err}`);
    console.error(`[chaos] logs in ${path.join(dir, 'logs')}`);
    await stop();
    if (options.passedFailedLine) console.log('0 passed, 1 failed');
    return 2;
  }
}

/**
 * Waits for every run to close; requests left open by a lifecycle that gave up are finished over
 * HTTP. Ends early when the same runs have stayed open for `quietS` with nothing left for a person
 * to do (they are then reported as stuck), else after `seconds`.
 */
async function settle(stack: Stack, api: Api, seconds: number, quietS = 30): Promise<{ open: number; seconds: number; finished: number }> {
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  const finishing = new Set<string>();
  let active = 0;
  let open: string[] = [];
  let sameSince = Date.now();
  let previous = '';
  while (Date.now() < end) {
    open = [];
    try {
      for await (const wf of stack.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) open.push(wf.workflowId);
    } catch (err) {
      log(`settle: listing open runs failed (${(err as Error).message}); trying again`);
    }
    if (open.length === 0) break;
    const key = [...open].sort().join(',');
    if (key !== previous) {
      previous = key;
      sameSince = Date.now();
    } else if (active === 0 && Date.now() - sameSince > quietS * 1000 && (await onlyRosterRetries(stack, open))) {
      log(`settle: ${open.length} run(s) stayed open for ${quietS} s with nothing left to do but a roster dispatch retrying: ${open.join(', ')}`);
      break;
    }
    for (const id of open) {
      if (finishing.has(id) || active >= 4) continue;
      finishing.add(id);
      active += 1;
      const flow = new Flow(api, 'settle', end);
      flow.id = id;
      void finish(flow)
        .catch((err) => log(`settle: could not finish ${id}: ${(err as Error).message}`))
        .finally(() => (active -= 1));
    }
    await sleep(3000);
  }
  return { open: open.length, seconds: (Date.now() - t0) / 1000, finished: finishing.size };
}

/** Whether every open run waits only on roster dispatches (which retry for a day): nothing else will close them. */
async function onlyRosterRetries(stack: Stack, open: string[]): Promise<boolean> {
  for (const id of open) {
    const d = await stack.client.workflow.getHandle(id).describe();
    const pending = d.raw.pendingActivities ?? [];
    if (d.raw.pendingWorkflowTask || pending.length === 0 || pending.some((a) => a.activityType?.name !== 'dispatchJob')) return false;
  }
  return true;
}

function printSummary(s: {
  options: ReturnType<typeof parseOptions>;
  results: LifecycleResult[];
  checks: Check[];
  info: Record<string, number | string>;
  monkey: Monkey;
  slots: Array<{ name: string; starts: number; kills: number; unexpectedExits: Array<{ reason: string }>; readyTimes: number[] }>;
  settled: { open: number; seconds: number; finished: number };
  expectedMissing: number;
  expectationNotes: string[];
  dir: string;
}): void {
  const m = s.monkey.stats;
  const paths = new Set(s.results.map((r) => r.path));
  const failed = s.results.filter((r) => !r.ok);
  const workers = s.slots.filter((x) => x.name.startsWith('worker'));
  const unexpected = workers.flatMap((w) => w.unexpectedExits.map((e) => e.reason.replace(/\s+/g, ' ').slice(0, 90)));
  const ready = workers.flatMap((w) => w.readyTimes);
  const pad = (label: string) => label.padEnd(74);
  const lines = [
    '',
    `==== chaos summary: size ${s.options.size}, seed ${s.options.seed}, ${((Date.now() - started) / 1000).toFixed(0)} s ====`,
    `lifecycles driven            ${s.results.length} (${s.results.filter((r) => r.burst).length} from the intake burst) over ${paths.size} paths; ${failed.length} gave up and were finished by the settle step`,
    `worker SIGKILLs              ${m.singleKills} single, ${m.bothDown} with both down (up to ${(Math.max(0, ...m.bothDownMs) / 1000).toFixed(1)} s); ${workers.reduce((n, w) => n + w.starts, 0)} worker starts, median ready in ${median(ready)} ms`,
    `worker exits not ours        ${unexpected.length}${unexpected.length ? ` (${[...new Set(unexpected)].slice(0, 3).join(' | ')})` : ''}`,
    `Temporal dev server          restarted once, down ${((m.temporalDownMs ?? 0) / 1000).toFixed(1)} s`,
    `PostgreSQL                   down ${((m.postgresDownMs ?? 0) / 1000).toFixed(1)} s`,
    `API                          SIGKILLed ${m.apiKills}× during the intake burst`,
    ...Object.entries(s.info).map(([k, v]) => `${k.padEnd(28)} ${v}`),
    `paths whose meant breach did not happen (information) ${s.expectedMissing}`,
    `settle                       ${s.settled.open} open after ${s.settled.seconds.toFixed(0)} s`,
    '---- checks (each counts what must be 0)',
    ...s.checks.map((c) => `${pad(c.name)} ${String(c.value).padStart(5)}  ${c.pass ? 'PASS' : 'FAIL'}  (${c.note})`),
  ];
  console.log(lines.join('\n'));
  for (const c of s.checks.filter((x) => !x.pass)) {
    console.log(`\nFAIL ${c.name}:`);
    for (const d of c.details) console.log(`  - ${d}`);
  }
  if (failed.length > 0) {
    console.log('\nlifecycles that gave up (finished by the settle step):');
    for (const r of failed.slice(0, 15)) console.log(`  - ${r.path} ${r.requestId ?? ''}: ${r.error?.split('\n')[0]}`);
  }
  if (s.expectationNotes.length > 0) {
    console.log('\npaths whose meant breach did not happen (information):');
    for (const n of s.expectationNotes.slice(0, 10)) console.log(`  - ${n}`);
  }
  console.log(`\nreport: ${path.relative(PROJECT_ROOT, path.join(s.dir, 'report.json'))}; process logs: ${path.relative(PROJECT_ROOT, path.join(s.dir, 'logs'))}/`);
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

const watchdog = setTimeout(() => {
  console.error('[chaos] the run took more than 25 minutes; giving up');
  process.exit(3);
}, 25 * 60_000);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
