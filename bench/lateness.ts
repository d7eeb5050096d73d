/**
 * `npm run bench:lateness -- --open N | --burst N [options]`: are deadlines kept on time at scale?
 * Figures, not assertions (the targets are printed beside the figures; nothing fails on them).
 *
 * Run it against the servers `npm start` runs, started with the bench policy, a copy of
 * config/policy.json whose fault_repair contact clock is 10 min (warning at 80 %) and whose complaint
 * handling clock is 20 min (instead of 3 working days), so that N requests exist, or are postponed,
 * before their first deadline at the intake rates measured on a 2-core machine (10–15/s):
 *
 *     POLICY_FILE=bench/policy-lateness.json EXPECTED_OPEN_REQUESTS=12000 npm start
 *     npm run bench:lateness -- --open 1000
 *     npm run bench:lateness -- --open 10000
 *     npm run bench:lateness -- --burst 5000
 *
 * --open N   N fault repairs over HTTP (POST /requests, `--concurrency` in flight, 20 by default) in
 *            region north, whose technician is on duty: each is dispatched by the roster and then
 *            never contacted, so all N stay open while their contact clocks (R6) breach. Measures
 *            intake throughput and latency; GET /requests/{id} latency over a sample while N are
 *            open; then, once every breach has its accountability record (bounded wait), the
 *            lateness of the records (created_at − deadline) and of the level-1 alert SMS
 *            (sent_at − deadline); timer fired → workflow task started (and the rest of the path
 *            to the record) from a sample of histories; the worker's RSS, CPU per process
 *            (worker, API, Temporal, PostgreSQL, everything else) and the load average, sampled
 *            every 2 s from /proc; the worker's own Prometheus metrics (slots, sticky cache).
 * --burst N  N complaints, then one clock of each (handling, R10) postponed (R7, `clock` named) to
 *            the same whole second T, a little after the last postponement: how long until all
 *            N are escalated, and the distribution, as above.
 * Both also start `--bare` (200) requests of the same kind straight through the Temporal client
 * (the function the API uses, the input the API builds) at the same concurrency, and print the
 * ratio of HTTP intake to bare starts; those are cancelled at once.
 * At the end every request the run created is cancelled (POST …/cancel), unless --keep.
 *
 * Options: --api URL (http://127.0.0.1:3000)  --concurrency 20  --bare 200 (0: skip)
 *          --reads 500 (status reads)  --read-concurrency 1  --histories 300  --wait-max 600 (s,
 *          after the last deadline)  --region north  --keep (leave the requests open)
 *          --rate R (at most R POSTs a second after the first 200 compared with bare starts; 0, the
 *          default, is as fast as `--concurrency` allows): deadlines then fall due at the rate they
 *          were taken, e.g. `--open 10000 --rate 8`, a busy call centre's pace
 *          --background K (K city installations awaiting paperwork, taken first as fast as
 *          `--concurrency` allows: open requests whose clocks are days away, so that e.g.
 *          `--background 9000 --open 1000 --rate 8` has 10,000 open while 8 deadlines a second fall due)
 * Environment: DATABASE_URL (the embedded postgres://postgres:service-clock@127.0.0.1:54329/service_clock),
 *          TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
 *          POLICY_FILE (bench/policy-lateness.json: the policy the server runs),
 *          WORKER_METRICS_ADDRESS (127.0.0.1:9464). API keys: the demo keys in .data/ (db/demo-data.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import pg from 'pg';
import { workingDeadlineWith } from '../activities/calendar';
import { startRequestWorkflow } from '../api/workflow-start';
import { loadCalendar, loadPolicy } from '../config/policy';
import { DEMO_API_KEYS_FILE } from '../db/demo-data';
import { intakeWorkingDayClocks } from '../domain/clocks';
import type { RequestKind } from '../domain/kinds';
import { limitFor, limitMs, snapshotFor, type Policy } from '../domain/policy';
import type { Actor, Deadline, RequestInput } from '../domain/request';
import { cancelUpdate } from '../workflows/messages';

const ROOT = path.resolve(__dirname, '..');
const EventType = temporal.api.enums.v1.EventType;

// ---------------------------------------------------------------- options
interface Options {
  mode: 'open' | 'burst';
  n: number;
  api: string;
  concurrency: number;
  bare: number;
  reads: number;
  readConcurrency: number;
  histories: number;
  waitMaxS: number;
  region: string;
  keep: boolean;
  rate: number;
  background: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { mode: 'open', n: 0, api: 'http://127.0.0.1:3000', concurrency: 20, bare: 200, reads: 500, readConcurrency: 1, histories: 300, waitMaxS: 600, region: 'north', keep: false, rate: 0, background: 0 };
  const num = (flag: string, v: string | undefined) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0) throw new Error(`${flag} needs a whole number ≥ 0, got "${v}"`);
    return x;
  };
  let mode: Options['mode'] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--open':
      case '--burst':
        if (mode) throw new Error('give one of --open N or --burst N');
        mode = flag === '--open' ? 'open' : 'burst';
        o.n = num(flag, value());
        break;
      case '--api': o.api = value().replace(/\/$/, ''); break;
      case '--concurrency': o.concurrency = Math.max(1, num(flag, value())); break;
      case '--bare': o.bare = num(flag, value()); break;
      case '--reads': o.reads = num(flag, value()); break;
      case '--read-concurrency': o.readConcurrency = Math.max(1, num(flag, value())); break;
      case '--histories': o.histories = num(flag, value()); break;
      case '--wait-max': o.waitMaxS = num(flag, value()); break;
      case '--region': o.region = value(); break;
      case '--keep': o.keep = true; break;
      case '--rate': o.rate = num(flag, value()); break;
      case '--background': o.background = num(flag, value()); break;
      case '--help':
      case '-h':
        console.log(readFileSync(__filename, 'utf8').split('*/')[0]);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  if (!mode || o.n < 1) throw new Error('usage: npm run bench:lateness -- --open N | --burst N [--concurrency 20] [--api URL] [--keep] (see --help)');
  o.mode = mode;
  if (!o.api.startsWith('http://')) throw new Error('--api must be an http:// URL');
  return o;
}

// ---------------------------------------------------------------- small helpers
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
let aborted = false;

/** Nearest-rank percentile of an ascending array. */
function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
interface Dist { n: number; p50: number; p95: number; p99: number; max: number; mean: number }
function dist(values: number[]): Dist {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 0.5), p95: pct(s, 0.95), p99: pct(s, 0.99), max: s.at(-1) ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}
const ms = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`) : '—');
const fmt = (d: Dist) => (d.n ? `p50 ${ms(d.p50)}  p95 ${ms(d.p95)}  p99 ${ms(d.p99)}  max ${ms(d.max)}  (n=${d.n})` : 'no data');

/** Runs `work` over items with `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !aborted) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

// ---------------------------------------------------------------- HTTP
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
interface Answer { status: number; body: Record<string, unknown>; ms: number }

function call(base: string, method: string, urlPath: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + urlPath,
      {
        method,
        agent,
        headers: { authorization: `Bearer ${key}`, ...(payload && { 'content-type': 'application/json', 'content-length': String(payload.length) }), ...headers },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: Record<string, unknown>;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { message: text.slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------- machine sampling (/proc)
type Group = 'worker' | 'api' | 'temporal' | 'postgres' | 'launcher' | 'bench' | 'other';
const GROUPS: Group[] = ['worker', 'api', 'temporal', 'postgres', 'launcher', 'bench', 'other'];
interface Sample { t: number; load1: number; busyPct: number; iowaitPct: number; cpu: Record<Group, number>; rssMb: Record<Group, number> }

const CLK_TCK = 100;
const PAGE = 4096;

function readProc(pid: string): { cmd: string; ppid: number; ticks: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { cmd, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rss: Number(f[21]) * PAGE };
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number; iowait: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , iowait, irq, softirq, steal] = cpu;
  return { busy: user + nice + system + irq + softirq + steal, total: cpu.reduce((a, b) => a + b, 0), iowait };
}

export class Sampler {
  readonly samples: Sample[] = [];
  readonly marks: Array<{ t: number; name: string }> = [];
  private timer?: NodeJS.Timeout;
  private last?: { t: number; perPid: Map<string, number>; m: ReturnType<typeof machineTicks> };
  /** The service's processes, found by the ports they listen on (other clones may run the same scripts). */
  private pids: Partial<Record<'worker' | 'api' | 'temporal' | 'postgres', string>> = {};
  private pidsAt = 0;
  constructor(private readonly ports: Record<'worker' | 'api' | 'temporal' | 'postgres', string>) {}

  private findListeners(): void {
    try {
      const ss = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8', timeout: 5000 });
      for (const [name, port] of Object.entries(this.ports) as Array<[keyof Sampler['ports'], string]>) {
        const line = ss.split('\n').find((l) => new RegExp(`:${port}\\s`).test(l));
        const pid = line?.match(/pid=(\d+)/)?.[1];
        if (pid) this.pids[name] = pid;
      }
    } catch {
      // without ss (or its process column) every process counts as other
    }
    this.pidsAt = Date.now();
  }

  private classify(): Map<string, { group: Group; ticks: number; rss: number }> {
    if (Date.now() - this.pidsAt > 60_000 || Object.keys(this.pids).length < 4) this.findListeners();
    const procs = new Map<string, NonNullable<ReturnType<typeof readProc>>>();
    for (const pid of readdirSync('/proc')) if (/^\d+$/.test(pid)) {
      const p = readProc(pid);
      if (p) procs.set(pid, p);
    }
    const { worker, api, temporal: tmp, postgres } = this.pids;
    const launcher = worker ? String(procs.get(worker)?.ppid ?? '') : '';
    const out = new Map<string, { group: Group; ticks: number; rss: number }>();
    for (const [pid, p] of procs) {
      let group: Group = 'other';
      if (pid === worker) group = 'worker';
      else if (pid === api) group = 'api';
      else if (pid === tmp) group = 'temporal';
      else if (postgres && (pid === postgres || String(p.ppid) === postgres)) group = 'postgres';
      else if (pid === launcher) group = 'launcher';
      else if (Number(pid) === process.pid) group = 'bench';
      out.set(pid, { group, ticks: p.ticks, rss: p.rss });
    }
    return out;
  }

  sampleNow(): void {
    const t = Date.now();
    const procs = this.classify();
    const m = machineTicks();
    const perPid = new Map([...procs].map(([pid, p]) => [pid, p.ticks]));
    if (this.last) {
      const seconds = (t - this.last.t) / 1000;
      const cpu = Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;
      const rssMb = Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;
      let known = 0;
      for (const [pid, p] of procs) {
        rssMb[p.group] += p.rss / 1048576;
        if (p.group === 'other') continue;
        const before = this.last.perPid.get(pid) ?? p.ticks; // a new process counts from now
        const pctOfCore = ((p.ticks - before) / CLK_TCK / seconds) * 100;
        cpu[p.group] += pctOfCore;
        known += pctOfCore;
      }
      const dTotal = m.total - this.last.m.total || 1;
      const cores = os.cpus().length;
      const busyPct = ((m.busy - this.last.m.busy) / dTotal) * 100 * cores; // % of one core, up to 100 × cores
      cpu.other = Math.max(0, busyPct - known);
      this.samples.push({ t, load1: os.loadavg()[0], busyPct, iowaitPct: ((m.iowait - this.last.m.iowait) / dTotal) * 100 * cores, cpu, rssMb });
    }
    this.last = { t, perPid, m };
  }

  start(everyMs = 2000): void {
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), everyMs);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  mark(name: string): number {
    const t = Date.now();
    this.marks.push({ t, name });
    return t;
  }
  window(from: number, to: number) {
    const s = this.samples.filter((x) => x.t > from && x.t <= to + 2000);
    const avg = (f: (x: Sample) => number) => (s.length ? s.reduce((a, x) => a + f(x), 0) / s.length : NaN);
    const max = (f: (x: Sample) => number) => (s.length ? Math.max(...s.map(f)) : NaN);
    return {
      n: s.length,
      load1: { mean: avg((x) => x.load1), max: max((x) => x.load1) },
      busy: { mean: avg((x) => x.busyPct), max: max((x) => x.busyPct) },
      iowait: avg((x) => x.iowaitPct),
      cpu: Object.fromEntries(GROUPS.map((g) => [g, { mean: avg((x) => x.cpu[g]), max: max((x) => x.cpu[g]) }])) as Record<Group, { mean: number; max: number }>,
      rss: Object.fromEntries(GROUPS.map((g) => [g, max((x) => x.rssMb[g])])) as Record<Group, number>,
    };
  }
}

function cpuLine(w: ReturnType<Sampler['window']>): string {
  if (!w.n) return 'no samples';
  const g = (name: Group) => `${name} ${w.cpu[name].mean.toFixed(0)}%`;
  return `CPU (% of one core, mean over ${w.n} samples; machine ${os.cpus().length * 100}%): busy ${w.busy.mean.toFixed(0)}% (max ${w.busy.max.toFixed(0)}%) = ${['worker', 'temporal', 'postgres', 'api', 'bench', 'launcher', 'other'].map((x) => g(x as Group)).join(', ')}; iowait ${w.iowait.toFixed(0)}%; load1 mean ${w.load1.mean.toFixed(1)} max ${w.load1.max.toFixed(1)}`;
}

// ---------------------------------------------------------------- worker metrics (Prometheus text)
export type Metrics = Map<string, number>;
export async function scrapeWorker(address: string): Promise<Metrics | undefined> {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(3000) });
    const out: Metrics = new Map();
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      const name = line.slice(0, at);
      // Only our task queue's and process-wide series; drop labels that never vary for us.
      out.set(name.replace(/,?(namespace|service_name|task_queue)="[^"]*"/g, '').replace('{,', '{').replace(/\{\}$/, ''), Number(line.slice(at + 1)));
    }
    return out;
  } catch {
    return undefined;
  }
}
/** Sum of every series whose name (with labels) matches. */
const metric = (m: Metrics | undefined, re: RegExp) => (m ? [...m].filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0) : NaN);
function histMean(a: Metrics | undefined, b: Metrics | undefined, base: RegExp): number {
  const sumRe = new RegExp(`^${base.source}_sum`);
  const countRe = new RegExp(`^${base.source}_count`);
  const dc = metric(b, countRe) - metric(a, countRe);
  return dc > 0 ? (metric(b, sumRe) - metric(a, sumRe)) / dc : NaN;
}

/** Workflow-task waits and the Temporal RPC latencies the worker saw between two scrapes. */
export function rpcLine(a: Metrics | undefined, b: Metrics | undefined): string {
  const mean = (op: string, long = false) => {
    const base = `temporal_${long ? 'long_' : ''}request_latency`;
    const pick = (m: Metrics | undefined, suffix: string) => metric(m, new RegExp(`^${base}(_seconds)?_${suffix}\\{.*operation="${op}"`));
    const dc = pick(b, 'count') - pick(a, 'count');
    return dc > 0 ? `${((pick(b, 'sum') - pick(a, 'sum')) / dc).toFixed(0)} ms × ${dc}` : '—';
  };
  const wft = histMean(a, b, /temporal_workflow_task_schedule_to_start_latency(_seconds)?/);
  const exec = histMean(a, b, /temporal_workflow_task_execution_latency(_seconds)?/);
  return `workflow task schedule→start ${wft.toFixed(0)} ms, execution ${exec.toFixed(0)} ms; Temporal RPCs (mean × calls): PollWorkflowTaskQueue ${mean('PollWorkflowTaskQueue', true)}, RespondWorkflowTaskCompleted ${mean('RespondWorkflowTaskCompleted')}, RespondActivityTaskCompleted ${mean('RespondActivityTaskCompleted')}`;
}

// ---------------------------------------------------------------- histories
interface HistoryFigures { firedToTaskStarted: number[]; breachFiredToTaskStarted: number[]; timerLate: number[]; breachTimerLate: number[]; taskStartToComplete: number[]; recordSchedToStart: number[]; recordRun: number[]; firedVsDeadline: number[] }

function readHistory(events: temporal.api.history.v1.IHistoryEvent[], deadlineMs: number | undefined, f: HistoryFigures): void {
  const timers = new Map<string, { dueMs: number; breach: boolean }>();
  const t = (e: temporal.api.history.v1.IHistoryEvent) => tsToMs(e.eventTime);
  for (let k = 0; k < events.length; k++) {
    const e = events[k];
    if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
      const a = e.timerStartedEventAttributes!;
      let summary: string;
      try {
        summary = e.userMetadata?.summary ? String(defaultPayloadConverter.fromPayload(e.userMetadata.summary)) : '';
      } catch {
        summary = '';
      }
      timers.set(a.timerId!, { dueMs: t(e) + tsToMs(a.startToFireTimeout), breach: /: breach \(/.test(summary) });
    }
    if (e.eventType !== EventType.EVENT_TYPE_TIMER_FIRED) continue;
    const timer = timers.get(e.timerFiredEventAttributes!.timerId!);
    const fired = t(e);
    const started = events.slice(k + 1).find((x) => x.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    if (!started) continue;
    const startIdx = events.indexOf(started);
    const completed = events.slice(startIdx + 1).find((x) => x.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    f.firedToTaskStarted.push(t(started) - fired);
    if (timer) f.timerLate.push(fired - timer.dueMs);
    if (completed) f.taskStartToComplete.push(t(completed) - t(started));
    if (!timer?.breach) continue;
    f.breachFiredToTaskStarted.push(t(started) - fired);
    f.breachTimerLate.push(fired - timer.dueMs);
    if (deadlineMs !== undefined) f.firedVsDeadline.push(fired - deadlineMs);
    if (!completed) continue;
    const cIdx = events.indexOf(completed);
    const scheduled = events
      .slice(cIdx + 1)
      .find((x) => x.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && x.activityTaskScheduledEventAttributes?.activityType?.name === 'recordStep');
    if (!scheduled) continue;
    const id = String(scheduled.eventId);
    const aStarted = events.find((x) => x.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && String(x.activityTaskStartedEventAttributes?.scheduledEventId) === id);
    const aDone = events.find((x) => x.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && String(x.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
    if (aStarted) f.recordSchedToStart.push(t(aStarted) - t(scheduled));
    if (aStarted && aDone) f.recordRun.push(t(aDone) - t(aStarted));
  }
}

// ---------------------------------------------------------------- the run
interface Created { id: string; at: number }

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  process.on('SIGINT', () => {
    if (aborted) process.exit(130);
    aborted = true;
    say('interrupted: stopping the current phase, then cleaning up (Ctrl-C again to quit at once)');
  });

  const policyFile = process.env.POLICY_FILE ?? path.join(ROOT, 'bench', 'policy-lateness.json');
  const policy: Policy = loadPolicy(policyFile);
  const kind: RequestKind = o.mode === 'open' ? 'fault_repair' : 'complaint';
  const clockName = o.mode === 'open' ? 'contact' : 'handling';
  const clockPolicy = policy.kinds[kind].clocks.find((c) => c.clock === clockName)!;
  const limit = limitMs(limitFor(clockPolicy.limit, 'general'));
  if (limit === undefined) throw new Error(`${policyFile}: the ${kind} ${clockName} clock must be in minutes or hours for this bench`);

  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:service-clock@127.0.0.1:54329/service_clock';
  const temporalAddress = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? 'service-clock';
  const metricsAddress = process.env.WORKER_METRICS_ADDRESS && process.env.WORKER_METRICS_ADDRESS !== 'off' ? process.env.WORKER_METRICS_ADDRESS : '127.0.0.1:9464';
  if (!existsSync(DEMO_API_KEYS_FILE)) throw new Error(`No demo API keys in ${DEMO_API_KEYS_FILE}: run npm start first (it makes them).`);
  const keys = JSON.parse(readFileSync(DEMO_API_KEYS_FILE, 'utf8')) as Record<string, string>;
  const agentKey = keys['agent-1'];
  const agentActor: Actor = { id: 'agent-1', role: 'agent', regionId: null, branchId: 'city', leads: [] };

  const health = await call(o.api, 'GET', '/health', agentKey).catch((err: Error) => {
    throw new Error(`The API at ${o.api} does not answer (${err.message}): start it with POLICY_FILE=bench/policy-lateness.json EXPECTED_OPEN_REQUESTS=12000 npm start`);
  });
  if (health.status !== 200) throw new Error(`GET /health answered ${health.status}: ${JSON.stringify(health.body)}`);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await db.query('SELECT 1');
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const sampler = new Sampler({
    worker: metricsAddress.split(':').at(-1)!,
    api: new URL(o.api).port || '80',
    temporal: temporalAddress.split(':').at(-1)!,
    postgres: new URL(databaseUrl).port || '5432',
  });
  sampler.start();
  const runningBefore = (await client.workflow.count('WorkflowType="serviceRequest" AND ExecutionStatus="Running"')).count;
  const metrics0 = await scrapeWorker(metricsAddress);
  say(`${o.mode === 'open' ? `--open ${o.n}: ${o.n} fault repairs in region ${o.region}, each dispatched then left to breach its contact clock` : `--burst ${o.n}: ${o.n} complaints, their handling clocks postponed to one second`} (${clockName} limit ${limit / 60000} min in ${path.relative(ROOT, policyFile)}); ${o.concurrency} in flight; API ${o.api}; ${runningBefore} serviceRequest runs open before the bench`);
  if (!metrics0) say(`(no worker metrics at http://${metricsAddress}/metrics: slot and cache figures are left out)`);

  const body = (i: number) =>
    o.mode === 'open'
      ? { customer: { name: `Bench ${i}`, phone: '13800000001', address: `${i} Bench Road` }, regionId: o.region, description: 'Benchmark: no signal on every channel', severity: 'general' }
      : { kind: 'complaint', customer: { name: `Bench ${i}`, phone: '13800000001', address: `${i} Bench Road` }, regionId: o.region, description: 'Benchmark complaint' };
  const runTag = `${Date.now().toString(36)}-${process.pid}`;
  const created: Created[] = [];
  const intakeMs: number[] = [];
  const intakeFailures = new Map<string, number>();
  const initialDeadline = new Map<string, number>();
  let policyVersionSeen = '';

  async function intakeOne(i: number): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      let a: Answer;
      try {
        a = await call(o.api, 'POST', '/requests', agentKey, body(i), { 'idempotency-key': `bench-lateness-${runTag}-${i}` });
      } catch (err) {
        intakeFailures.set(`network: ${(err as Error).message}`, (intakeFailures.get(`network: ${(err as Error).message}`) ?? 0) + 1);
        if (attempt < 3) await sleep(500);
        continue;
      }
      if (a.status === 201 || a.status === 200) {
        intakeMs.push(a.ms);
        const id = String(a.body.requestId);
        created.push({ id, at: Date.now() });
        policyVersionSeen = String(a.body.policyVersion);
        const c = (a.body.clocks as Array<{ clock: string; deadline?: string }>).find((x) => x.clock === clockName);
        if (c?.deadline) initialDeadline.set(id, Date.parse(c.deadline));
        return;
      }
      const why = `${a.status} ${String(a.body.message ?? '').replace(/SR-\d{8}-\d+/g, 'SR-…').slice(0, 120)}`;
      intakeFailures.set(why, (intakeFailures.get(why) ?? 0) + 1);
      if (![503, 504, 500].includes(a.status)) return;
      await sleep(500);
    }
  }

  /** HTTP intake of [from, to) at the configured concurrency (and `rate`, if any), with progress every 10 s. */
  async function intake(from: number, to: number, rate = 0): Promise<{ seconds: number; ms: number[] }> {
    let nextAt = performance.now();
    const paced = async (i: number) => {
      if (rate > 0) {
        const wait = nextAt - performance.now();
        nextAt = Math.max(nextAt, performance.now()) + 1000 / rate;
        if (wait > 0) await sleep(wait);
      }
      await intakeOne(i);
    };
    const startedAt = performance.now();
    const before = intakeMs.length;
    let lastCount = created.length;
    const progress = setInterval(() => {
      const now = created.length;
      const d = dist(intakeMs.slice(before));
      say(`intake ${now}/${o.n}: ${((now - lastCount) / 10).toFixed(1)}/s in the last 10 s; latency so far p50 ${ms(d.p50)} p99 ${ms(d.p99)}${intakeFailures.size ? `; failures ${[...intakeFailures.values()].reduce((a, b) => a + b, 0)}` : ''}`);
      lastCount = now;
    }, 10_000);
    await pool(Array.from({ length: to - from }, (_, k) => from + k), o.concurrency, paced);
    clearInterval(progress);
    return { seconds: (performance.now() - startedAt) / 1000, ms: intakeMs.slice(before) };
  }

  // ---- 1. the first request checks the server runs the bench policy
  const t0 = sampler.mark('intake');
  const firstStarted = performance.now();
  await intakeOne(0);
  const firstSeconds = (performance.now() - firstStarted) / 1000;
  if (created.length === 0) throw new Error(`The first POST /requests failed: ${[...intakeFailures.keys()].join('; ')}`);
  if (policyVersionSeen !== policy.version) {
    throw new Error(`The server runs policy "${policyVersionSeen}", not "${policy.version}" (${path.relative(ROOT, policyFile)}): restart it with POLICY_FILE=bench/policy-lateness.json (request ${created[0].id} is left open).`);
  }

  /** Waits (up to 10 min) until the worker's workflow tasks start within 2 s of being scheduled, per its metrics. */
  let settleSeconds = 0;
  async function settle(): Promise<void> {
    const started = Date.now();
    let prev = await scrapeWorker(metricsAddress);
    if (!prev) return void (await sleep(30_000));
    while (Date.now() - started < 600_000 && !aborted) {
      await sleep(5000);
      const m = await scrapeWorker(metricsAddress);
      const wait = histMean(prev, m, /temporal_workflow_task_schedule_to_start_latency(_seconds)?/);
      prev = m;
      say(`worker catching up: workflow tasks start ${Number.isFinite(wait) ? `${(wait / 1000).toFixed(1)} s` : '—'} after being scheduled`);
      if (!(wait > 2000)) break;
    }
    settleSeconds = (Date.now() - started) / 1000;
  }

  // ---- 1b. background: open requests whose clocks are far away (installations awaiting paperwork)
  const backgroundIds: string[] = [];
  if (o.background > 0) {
    const started = performance.now();
    const failures = new Map<string, number>();
    await pool(Array.from({ length: o.background }, (_, i) => i), o.concurrency, async (i) => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const a = await call(
          o.api,
          'POST',
          '/requests',
          agentKey,
          { kind: 'installation_city', customer: { name: `Background ${i}`, phone: '13800000002', address: `${i} Background Road` }, regionId: o.region, description: 'Benchmark background: installation awaiting paperwork', paperwork: { complete: false, missingItems: ['ID card copy'] } },
          { 'idempotency-key': `bench-background-${runTag}-${i}` },
        ).catch((err: Error) => ({ status: 0, body: { message: err.message }, ms: 0 }) as Answer);
        if (a.status === 201 || a.status === 200) return void backgroundIds.push(String(a.body.requestId));
        const why = `${a.status} ${String(a.body.message ?? '').slice(0, 80)}`;
        failures.set(why, (failures.get(why) ?? 0) + 1);
        await sleep(500 * attempt);
      }
    });
    say(`background: ${backgroundIds.length}/${o.background} installations awaiting paperwork open in ${((performance.now() - started) / 1000).toFixed(0)} s${failures.size ? `; failures ${[...failures].map(([k, v]) => `${v}× ${k}`).join('; ')}` : ''}`);
    await settle();
  }

  // ---- 2. bare-client starts of the same workflow, same input as the API builds, same concurrency
  let bare: { n: number; seconds: number; ms: number[]; failed: number } | undefined;
  if (o.bare > 0) {
    const calendar = loadCalendar();
    const snapshot = snapshotFor(policy, kind);
    const ids = Array.from({ length: o.bare }, (_, i) => `SR-19700101-${String(Date.now()).slice(-7)}${String(i).padStart(5, '0')}`);
    const bareMs: number[] = [];
    let failed = 0;
    const started = performance.now();
    await pool(ids, o.concurrency, async (requestId, i) => {
      const t = performance.now();
      const b = body(i) as { customer: RequestInput['customer']; regionId: string; description: string };
      const receivedAt = new Date().toISOString();
      const intakeDeadlines: Record<string, Deadline> = {};
      for (const c of intakeWorkingDayClocks(snapshot, true)) {
        const l = limitFor(c.limit, 'general');
        if (!('workingDays' in l)) continue;
        const d = await workingDeadlineWith(db, calendar, { startMs: Date.parse(receivedAt), days: l.workingDays, utcOffsetMinutes: snapshot.clock.utcOffsetMinutes, cutoff: snapshot.clock.workingDayCutoff });
        intakeDeadlines[c.clock] = { deadline: d.deadline, provisional: d.provisional };
      }
      const input: RequestInput = {
        requestId,
        kind,
        ...(snapshot.kindPolicy.severities && { severity: 'general' as const }),
        customer: b.customer,
        regionId: b.regionId,
        description: b.description,
        firstContactStaffId: 'agent-1',
        receivedAt,
        paperwork: { complete: true, missingItems: [] },
        policy: snapshot,
        intakeDeadlines,
      };
      try {
        await startRequestWorkflow(client, taskQueue, input);
        bareMs.push(performance.now() - t);
      } catch {
        failed++;
      }
    });
    bare = { n: o.bare, seconds: (performance.now() - started) / 1000, ms: bareMs, failed };
    say(`bare client: ${o.bare} starts in ${bare.seconds.toFixed(1)} s = ${(bareMs.length / bare.seconds).toFixed(1)}/s; latency ${fmt(dist(bareMs))}; cancelling them`);
    await pool(ids, o.concurrency, async (id) => {
      await client.workflow
        .getHandle(id)
        .executeUpdate(cancelUpdate, { args: [{ actor: agentActor, reason: 'bench: bare-client comparison done' }] })
        .catch(() => undefined);
    });
    await sleep(3000);
  }

  // ---- 3. HTTP intake of the rest
  const sampleN = Math.min(o.bare || 200, o.n - 1);
  const first = await intake(1, 1 + sampleN);
  const rest = o.n > 1 + sampleN ? await intake(1 + sampleN, o.n, o.rate) : { seconds: 0, ms: [] };
  const tIntakeEnd = sampler.mark('intake end');
  const intakeSeconds = firstSeconds + first.seconds + rest.seconds; // HTTP intake only, not the bare run between
  const httpStart = tIntakeEnd - (first.seconds + rest.seconds) * 1000;
  const ids = created.map((c) => c.id);
  say(`intake done: ${created.length}/${o.n} in ${intakeSeconds.toFixed(1)} s = ${(created.length / intakeSeconds).toFixed(1)}/s; latency ${fmt(dist(intakeMs))}`);

  // ---- 4. the clock under test running for each: dispatched (open) or postponed to T (burst)
  const deadlineOf = new Map<string, number>();
  let postpone: { ms: number[]; refused: Map<string, number>; T: number; seconds: number; timedOut: number; retriedOk: number } | undefined;
  let dispatched = 0;
  let dispatchLag: number[] = [];
  let metricsDispatched = await scrapeWorker(metricsAddress);
  let tDispatched = tIntakeEnd;
  if (o.mode === 'open') {
    // The roster dispatch runs in the worker after intake and may lag it: wait while it progresses.
    const until = Date.now() + 40 * 60_000;
    let lastProgress = Date.now();
    let before = -1;
    for (;;) {
      const { rows } = await db.query<{ id: string; technician_id: string | null; next_deadline: Date | null; stage: string }>(
        'SELECT id, technician_id, next_deadline, stage FROM service_requests WHERE id = ANY($1)',
        [ids],
      );
      dispatched = rows.filter((r) => r.technician_id && r.stage !== 'dispatch').length;
      for (const r of rows) if (r.technician_id && r.next_deadline && r.stage === 'contact') deadlineOf.set(r.id, r.next_deadline.getTime());
      if (dispatched !== before) lastProgress = Date.now();
      before = dispatched;
      if (dispatched >= ids.length || Date.now() > until || Date.now() - lastProgress > 120_000 || aborted) break;
      say(`dispatched ${dispatched}/${ids.length} …`);
      await sleep(5000);
    }
    tDispatched = sampler.mark('dispatched');
    metricsDispatched = await scrapeWorker(metricsAddress);
    dispatchLag = (
      await db.query<{ ms: number }>(
        `SELECT extract(epoch FROM c.claimed_at - r.received_at)::float8 * 1000 AS ms FROM dispatch_claims c JOIN service_requests r ON r.id = c.request_id
          WHERE c.request_id = ANY($1) AND c.round = 0`,
        [ids],
      )
    ).rows.map((r) => r.ms);
    say(`dispatched ${dispatched}/${ids.length}; contact deadlines from ${new Date(Math.min(...deadlineOf.values())).toISOString()} to ${new Date(Math.max(...deadlineOf.values())).toISOString()}`);
  } else {
    // Updates wait behind any workflow-task backlog the intake left: let the worker catch up first.
    await settle();
    const firstDeadline = Math.min(...initialDeadline.values());
    const lastDeadline = Math.max(...initialDeadline.values());
    const perSecond = Math.max(1, created.length / intakeSeconds); // postponements are updates: assume no faster than intake
    const T = Math.ceil(Math.max(lastDeadline + 5_000, Date.now() + (created.length / perSecond) * 1.5 * 1000 + 20_000) / 1000) * 1000;
    say(`postponing each request's ${clockName} clock to T = ${new Date(T).toISOString()} (first original deadline ${new Date(firstDeadline).toISOString()})`);
    const refused = new Map<string, number>();
    const pms: number[] = [];
    let timedOut = 0;
    let retriedOk = 0;
    const started = performance.now();
    await pool(ids, o.concurrency, async (id) => {
      for (let attempt = 1; attempt <= 6; attempt++) {
        const a = await call(o.api, 'POST', `/requests/${id}/postponements`, agentKey, { until: new Date(T).toISOString(), reason: 'bench: burst of deadlines', clock: clockName }).catch(
          (err: Error) => ({ status: 0, body: { message: err.message }, ms: 0 }) as Answer,
        );
        if (a.status === 200) {
          pms.push(a.ms);
          deadlineOf.set(id, T);
          return;
        }
        const why = `${a.status} ${String(a.body.message ?? '').replace(/SR-\d{8}-\d+/g, 'SR-…').slice(0, 100)}`;
        if (a.status === 409 && attempt > 1) {
          // An earlier attempt that timed out (503) may have been recorded after all: read it back.
          const now = await call(o.api, 'GET', `/requests/${id}`, agentKey).catch(() => undefined);
          const c = (now?.body.clocks as Array<{ clock: string; deadline?: string }> | undefined)?.find((x) => x.clock === clockName);
          if (c?.deadline && Date.parse(c.deadline) === T) {
            deadlineOf.set(id, T);
            retriedOk++;
            return;
          }
        }
        if (![0, 500, 503, 504].includes(a.status) || attempt === 6) {
          refused.set(why, (refused.get(why) ?? 0) + 1);
          return;
        }
        timedOut++;
        await sleep(1000 * attempt);
      }
    });
    postpone = { ms: pms, refused, T, seconds: (performance.now() - started) / 1000, timedOut, retriedOk };
    say(`postponed ${pms.length}/${ids.length} in ${postpone.seconds.toFixed(1)} s; latency ${fmt(dist(pms))}${refused.size ? `; refused: ${[...refused].map(([k, v]) => `${v}× ${k}`).join('; ')}` : ''}; T is ${((T - Date.now()) / 1000).toFixed(0)} s away`);
    if (T < Date.now()) say('T passed before the last postponement finished: the burst is spread, not one second (raise the handling limit in the bench policy)');
  }
  const firstDeadline = Math.min(...deadlineOf.values());
  const lastDeadline = Math.max(...deadlineOf.values());
  const openAtFirstDeadline = created.filter((c) => c.at <= firstDeadline).length;

  // ---- 5. status reads while N are open
  sampler.mark('reads');
  const readIds = [...ids].sort(() => Math.random() - 0.5).slice(0, o.reads);
  const readMs: number[] = [];
  let fromRegistry = 0;
  let readFailed = 0;
  await pool(readIds, o.readConcurrency, async (id) => {
    const a = await call(o.api, 'GET', `/requests/${id}`, agentKey).catch(() => undefined);
    if (!a || a.status !== 200) return void readFailed++;
    readMs.push(a.ms);
    if (a.body.asOf) fromRegistry++;
  });
  const tReadsEnd = sampler.mark('reads end');
  const readsDuringBreaches = tReadsEnd > firstDeadline;
  say(`status reads: ${fmt(dist(readMs))}; ${fromRegistry} answered from the registry (workflow query over 1 s)${readFailed ? `; ${readFailed} failed` : ''}`);

  // ---- 6. wait for every breach's record and level-1 alert
  const recordsSql = `SELECT request_id, deadline, breached_at, created_at FROM accountability_records WHERE request_id = ANY($1) AND stage = $2 AND cycle = 0`;
  const alertRe = `^[^/]+/${clockName}/[0-9]+/alert/`;
  const smsSql = `SELECT request_id, message_key, status, sent_at FROM sms_outbox WHERE request_id = ANY($1) AND purpose = 'alert' AND message_key ~ $2`;
  const expected = deadlineOf.size;
  const waitUntil = lastDeadline + o.waitMaxS * 1000;
  if (Date.now() < firstDeadline) say(`waiting ${((firstDeadline - Date.now()) / 1000).toFixed(0)} s for the first deadline …`);
  while (Date.now() < firstDeadline - 5000 && !aborted) await sleep(Math.min(10_000, firstDeadline - 5000 - Date.now()));
  const tBreach = sampler.mark('breaches');
  const metricsBreach0 = await scrapeWorker(metricsAddress);
  let slotsMin = Infinity;
  let cacheMax = 0;
  for (;;) {
    const records = (await db.query('SELECT count(*)::int AS n FROM accountability_records WHERE request_id = ANY($1) AND stage = $2 AND cycle = 0', [ids, clockName])).rows[0].n;
    const sent = (await db.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE request_id = ANY($1) AND purpose = 'alert' AND message_key ~ $2 AND status = 'sent'`, [ids, alertRe])).rows[0].n;
    const m = await scrapeWorker(metricsAddress);
    if (m) {
      slotsMin = Math.min(slotsMin, metric(m, /^temporal_worker_task_slots_available\{.*worker_type="WorkflowWorker"/));
      cacheMax = Math.max(cacheMax, metric(m, /^temporal_sticky_cache_size/));
    }
    if ((records >= expected && sent >= expected) || aborted || Date.now() > waitUntil) break;
    if (Date.now() > firstDeadline) say(`breaches: ${records}/${expected} records, ${sent} level-1 alerts sent (last deadline ${lastDeadline > Date.now() ? `in ${((lastDeadline - Date.now()) / 1000).toFixed(0)} s` : `${((Date.now() - lastDeadline) / 1000).toFixed(0)} s ago`})`);
    await sleep(Date.now() < lastDeadline ? 5000 : 2000);
  }
  const tBreachEnd = sampler.mark('breaches end');
  const metricsBreach1 = await scrapeWorker(metricsAddress);
  const r4Breaches = (await db.query(`SELECT count(*)::int AS n FROM accountability_records WHERE request_id = ANY($1) AND stage = 'dispatch'`, [ids])).rows[0].n as number;
  // R4 as the registry shows it: dispatched after the deadline, yet recorded as met on time (no breach timer fired first)?
  const r4 = (
    await db.query<{ late_ms: number | null; on_time: boolean | null }>(
      `SELECT extract(epoch FROM (c->>'endedAt')::timestamptz - (c->>'deadline')::timestamptz)::float8 * 1000 AS late_ms, (c->>'onTime')::boolean AS on_time
         FROM service_requests r, jsonb_array_elements(r.snapshot->'clocks') c
        WHERE r.id = ANY($1) AND c->>'clock' = 'dispatch' AND c->>'endedAt' IS NOT NULL`,
      [ids],
    )
  ).rows;
  const r4Late = r4.filter((r) => (r.late_ms ?? 0) > 0);
  const r4LateOnTime = r4Late.filter((r) => r.on_time === true).length;
  const recRows = (await db.query<{ request_id: string; deadline: Date; breached_at: Date; created_at: Date }>(recordsSql, [ids, clockName])).rows;
  const smsRows = (await db.query<{ request_id: string; message_key: string; status: string; sent_at: Date | null }>(smsSql, [ids, alertRe])).rows;
  const recDeadline = new Map(recRows.map((r) => [r.request_id, r.deadline.getTime()]));
  const recordLate = recRows.map((r) => r.created_at.getTime() - r.deadline.getTime());
  const alertLate = smsRows.filter((r) => r.sent_at).map((r) => r.sent_at!.getTime() - (recDeadline.get(r.request_id) ?? deadlineOf.get(r.request_id)!));
  const deadlineMismatch = recRows.filter((r) => deadlineOf.has(r.request_id) && Math.abs(r.deadline.getTime() - deadlineOf.get(r.request_id)!) > 1).length;
  // Escalated = its record written and every level-1 alert sent: the later of the two, per request.
  const done = new Map<string, number>();
  for (const r of recRows) done.set(r.request_id, r.created_at.getTime());
  for (const r of smsRows) if (r.sent_at) done.set(r.request_id, Math.max(done.get(r.request_id) ?? 0, r.sent_at.getTime()));
  const escalatedLate = [...done].map(([id, at]) => at - (recDeadline.get(id) ?? deadlineOf.get(id)!));
  // Deadlines that fell due while intake was still running, and after it (every request of the run open, no intake).
  const dl = (id: string) => recDeadline.get(id) ?? deadlineOf.get(id)!;
  const afterIntake = (id: string) => dl(id) > tIntakeEnd;
  const alertLateAfter = smsRows.filter((r) => r.sent_at && afterIntake(r.request_id)).map((r) => r.sent_at!.getTime() - dl(r.request_id));
  const alertLateDuring = smsRows.filter((r) => r.sent_at && !afterIntake(r.request_id)).map((r) => r.sent_at!.getTime() - dl(r.request_id));
  const recordLateAfter = recRows.filter((r) => afterIntake(r.request_id)).map((r) => r.created_at.getTime() - r.deadline.getTime());
  const recordLateDuring = recRows.filter((r) => !afterIntake(r.request_id)).map((r) => r.created_at.getTime() - r.deadline.getTime());
  const recAt = new Map(recRows.map((r) => [r.request_id, r.created_at.getTime()]));
  const alertAfterRecord = smsRows.filter((r) => r.sent_at && recAt.has(r.request_id)).map((r) => r.sent_at!.getTime() - recAt.get(r.request_id)!);
  const lastEscalated = Math.max(...done.values());

  // ---- 7. histories: timer fired → workflow task started, and on to the record
  const hf: HistoryFigures = { firedToTaskStarted: [], breachFiredToTaskStarted: [], timerLate: [], breachTimerLate: [], taskStartToComplete: [], recordSchedToStart: [], recordRun: [], firedVsDeadline: [] };
  const histIds = [...ids].sort(() => Math.random() - 0.5).slice(0, o.histories);
  await pool(histIds, 10, async (id) => {
    const h = await client.workflow.getHandle(id).fetchHistory().catch(() => undefined);
    if (h?.events) readHistory(h.events, recDeadline.get(id) ?? deadlineOf.get(id), hf);
  });

  // ---- 8. cancel what this run created
  let cancelled = 0;
  let cancelFailed = 0;
  const cancelFailures = new Map<string, number>();
  let cancelSeconds = 0;
  if (!o.keep) {
    const toCancel = [...ids, ...backgroundIds];
    say(`cancelling the ${toCancel.length} requests of this run …`);
    const started = performance.now();
    const wasAborted = aborted;
    aborted = false; // clean up even after Ctrl-C
    await pool(toCancel, o.concurrency, async (id) => {
      for (let attempt = 1; attempt <= 4; attempt++) {
        const a = await call(o.api, 'POST', `/requests/${id}/cancel`, agentKey, { reason: 'bench: lateness run finished' }).catch(
          (err: Error) => ({ status: 0, body: { message: err.message }, ms: 0 }) as Answer,
        );
        if (a.status === 200) return void cancelled++;
        // An earlier attempt that timed out (503) was recorded after all: the request is closed now.
        if (a.status === 409 && attempt > 1 && /is closed/.test(String(a.body.message))) return void cancelled++;
        if ([0, 500, 503, 504].includes(a.status) && attempt < 4) {
          await sleep(1000 * attempt);
          continue;
        }
        const why = `${a.status} ${String(a.body.message ?? '').replace(/SR-\d{8}-\d+/g, 'SR-…').slice(0, 80)}`;
        cancelFailures.set(why, (cancelFailures.get(why) ?? 0) + 1);
        return void cancelFailed++;
      }
    });
    aborted = wasAborted;
    cancelSeconds = (performance.now() - started) / 1000;
  }
  sampler.sampleNow();
  const tEnd = sampler.mark('end');
  sampler.stop();
  await connection.close();
  await db.end();
  agent.destroy();

  // ---------------------------------------------------------------- summary
  const lines: string[] = [];
  const L = (line = '') => lines.push(line);
  try {
    const wIntake = sampler.window(httpStart, tIntakeEnd);
    const wBreach = sampler.window(tBreach, tBreachEnd);
    const wAll = sampler.window(t0, tEnd);
    const intakeD = dist(intakeMs);
    const recD = dist(recordLate);
    const alertD = dist(alertLate);
    const escD = dist(escalatedLate);
    const readD = dist(readMs);
    const httpRate = created.length / intakeSeconds;
    const httpFirstRate = first.ms.length / first.seconds;
    const bareRate = bare ? bare.ms.length / bare.seconds : NaN;
    const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
    L();
    L(`=================== Service Clock lateness bench: --${o.mode} ${o.n} ===================`);
    L(`setup            ${kind} in region ${o.region}; ${clockName} clock ${limit / 60000} min (policy ${policy.version}); ${o.concurrency} in flight; ${os.cpus().length} cores; ${runningBefore} runs open before`);
    L(`intake (HTTP)    ${created.length} created, ${[...intakeFailures.values()].reduce((a, b) => a + b, 0)} failed attempts${intakeFailures.size ? ` (${[...intakeFailures].map(([k, v]) => `${v}× ${k}`).join('; ')})` : ''}`);
    L(`                 ${intakeSeconds.toFixed(1)} s = ${httpRate.toFixed(1)}/s overall; first ${first.ms.length} after the bare run: ${httpFirstRate.toFixed(1)}/s${rest.ms.length ? `; the rest: ${(rest.ms.length / rest.seconds).toFixed(1)}/s` : ''}`);
    L(`                 POST /requests ${fmt(intakeD)}`);
    if (bare) {
      L(`bare client      ${bare.ms.length}/${bare.n} starts in ${bare.seconds.toFixed(1)} s = ${bareRate.toFixed(1)}/s; start ${fmt(dist(bare.ms))}`);
      L(`                 HTTP/bare = ${(httpFirstRate / bareRate).toFixed(2)} (same-size sample right after it), ${(httpRate / bareRate).toFixed(2)} (whole intake)`);
    }
    L(`                 ${cpuLine(wIntake)}`);
    if (o.mode === 'open') {
      L(`dispatched       ${dispatched}/${created.length} (roster, job SMS), the last ${((tDispatched - tIntakeEnd) / 1000).toFixed(0)} s after intake ended; R4 dispatch breaches (3 min): ${r4Breaches}`);
      L(`                 intake → dispatch claimed ${fmt(dist(dispatchLag))}`);
      L(`                 R4 dispatch clock ended after its deadline: ${r4Late.length}/${r4.length} (by ${fmt(dist(r4Late.map((r) => r.late_ms!)))}); of those recorded as met on time: ${r4LateOnTime}`);
      L(`                 ${cpuLine(sampler.window(tIntakeEnd, tDispatched))} (after intake, until all dispatched)`);
    }
    const serviceCpu = (w: ReturnType<Sampler['window']>, seconds: number) =>
      (['worker', 'temporal', 'postgres', 'api', 'launcher'] as Group[]).reduce((a, g) => a + (Number.isFinite(w.cpu[g].mean) ? w.cpu[g].mean : 0), 0) / 100 * seconds;
    {
      const w = sampler.window(httpStart, tDispatched);
      const cpuS = serviceCpu(w, (tDispatched - httpStart) / 1000);
      L(`service CPU      intake${o.mode === 'open' ? ' + dispatch' : ''}: ${((cpuS / created.length) * 1000).toFixed(0)} ms of CPU per request (worker + Temporal + PostgreSQL + API) → at most ~${((os.cpus().length * created.length) / cpuS).toFixed(0)} requests/s on ${os.cpus().length} idle cores`);
      const cpuB = serviceCpu(wBreach, (tBreachEnd - tBreach) / 1000);
      if (recRows.length) L(`                 breaches: ${((cpuB / recRows.length) * 1000).toFixed(0)} ms of CPU per breach over the breach window (includes the warnings and other work in it)`);
    }
    if (postpone) {
      L(`postponements    ${postpone.ms.length + postpone.retriedOk}/${created.length} to T = ${new Date(postpone.T).toISOString()} in ${postpone.seconds.toFixed(1)} s (after ${settleSeconds.toFixed(0)} s for the worker to catch up with intake); POST …/postponements ${fmt(dist(postpone.ms))}`);
      if (postpone.timedOut) L(`                 ${postpone.timedOut} attempts answered 503/504 (retried; ${postpone.retriedOk} had been recorded after all)`);
      if (postpone.refused.size) L(`                 refused: ${[...postpone.refused].map(([k, v]) => `${v}× ${k}`).join('; ')}`);
    }
    L(`open             ${runningBefore + backgroundIds.length + created.length} runs (${runningBefore} before the bench, ${backgroundIds.length} background, ${created.length} measured); ${openAtFirstDeadline}/${created.length} of the measured created when the first ${clockName} deadline fell due${openAtFirstDeadline < created.length ? ' (intake still running at the first deadline)' : ''}`);
    L(`status reads     GET /requests/{id} ${fmt(readD)}; ${fromRegistry} from the registry fallback${readFailed ? `; ${readFailed} failed` : ''}; ${o.readConcurrency} at a time${readsDuringBreaches ? '; overlapped the first breaches' : ', before any breach'}`);
    L(`breaches         ${recRows.length}/${expected} accountability records, ${smsRows.filter((r) => r.sent_at).length} level-1 alerts sent (${smsRows.length} in the outbox)${Date.now() > waitUntil || recRows.length < expected ? ` — wait bounded at ${o.waitMaxS} s after the last deadline` : ''}${deadlineMismatch ? `; ${deadlineMismatch} records with another deadline than expected` : ''}`);
    L(`                 deadlines span ${((lastDeadline - firstDeadline) / 1000).toFixed(1)} s; last escalation ${((lastEscalated - lastDeadline) / 1000).toFixed(1)} s after the last deadline`);
    L(`record lateness  created_at − deadline    ${fmt(recD)}`);
    L(`alert lateness   sent_at − deadline       ${fmt(alertD)}`);
    L(`escalated        later of the two         ${fmt(escD)}`);
    L(`                 alert sent − record created ${fmt(dist(alertAfterRecord))}`);
    if (alertLateDuring.length && alertLateAfter.length) {
      L(`  deadlines during intake (${recordLateDuring.length}): records ${fmt(dist(recordLateDuring))}`);
      L(`                                     alerts  ${fmt(dist(alertLateDuring))}`);
      L(`  deadlines after intake, all ${created.length} open (${recordLateAfter.length}): records ${fmt(dist(recordLateAfter))}`);
      L(`                                     alerts  ${fmt(dist(alertLateAfter))}`);
    }
    L(`histories (${String(histIds.length).padStart(3)}) breach timer: fired − due ${fmt(dist(hf.breachTimerLate))}`);
    L(`                 breach timer fired − deadline ${fmt(dist(hf.firedVsDeadline))}`);
    L(`                 timer fired → workflow task started: breach ${fmt(dist(hf.breachFiredToTaskStarted))}`);
    L(`                                                      every timer ${fmt(dist(hf.firedToTaskStarted))}`);
    L(`                 workflow task started → completed ${fmt(dist(hf.taskStartToComplete))}`);
    L(`                 recordStep scheduled → started ${fmt(dist(hf.recordSchedToStart))}; started → completed ${fmt(dist(hf.recordRun))}`);
    L(`breach window    ${((tBreachEnd - tBreach) / 1000).toFixed(0)} s: ${cpuLine(wBreach)}`);
    if (metrics0 && metricsDispatched) L(`worker metrics   intake${o.mode === 'open' ? ' + dispatch' : ''} (means): ${rpcLine(metrics0, metricsDispatched)}`);
    if (metricsBreach1) L(`                 breach window (means): ${rpcLine(metricsBreach0, metricsBreach1)}`);
    if (metricsBreach1) {
      const wft = histMean(metricsBreach0, metricsBreach1, /temporal_workflow_task_schedule_to_start_latency(_seconds)?/);
      const act = histMean(metricsBreach0, metricsBreach1, /temporal_activity_schedule_to_start_latency(_seconds)?/);
      const evict = metric(metricsBreach1, /^temporal_sticky_cache_total_forced_eviction/) - metric(metricsBreach0, /^temporal_sticky_cache_total_forced_eviction/);
      const miss = metric(metricsBreach1, /^temporal_sticky_cache_miss/) - metric(metricsBreach0, /^temporal_sticky_cache_miss/);
      const hit = metric(metricsBreach1, /^temporal_sticky_cache_hit/) - metric(metricsBreach0, /^temporal_sticky_cache_hit/);
      const replayMean = histMean(metricsBreach0, metricsBreach1, /temporal_workflow_task_replay_latency(_seconds)?/);
      const exec = histMean(metricsBreach0, metricsBreach1, /temporal_workflow_task_execution_latency(_seconds)?/);
      L(`worker metrics   breach window (means, ms): workflow task schedule→start ${wft.toFixed(0)}, execution ${exec.toFixed(0)}; activity schedule→start ${act.toFixed(0)}`);
      L(`                 sticky cache hits ${hit}, misses ${Number.isNaN(miss) ? 0 : miss}, forced evictions ${Number.isNaN(evict) ? 0 : evict}, replay latency mean ${Number.isFinite(replayMean) ? replayMean.toFixed(1) : '—'} ms; cache size max ${cacheMax}; free workflow task slots min ${slotsMin}`);
      const lat = histMean(metricsBreach0, metricsBreach1, /service_clock_escalation_lateness_seconds/);
      if (Number.isFinite(lat)) L(`                 service_clock_escalation_lateness_seconds mean ${lat.toFixed(3)} s`);
    }
    L(`worker process   RSS max ${wAll.rss.worker.toFixed(0)} MB (intake ${wIntake.rss.worker.toFixed(0)}, breaches ${wBreach.rss.worker.toFixed(0)}); temporal ${wAll.rss.temporal.toFixed(0)} MB, postgres ${wAll.rss.postgres.toFixed(0)} MB, api ${wAll.rss.api.toFixed(0)} MB`);
    L(`machine          ${cpuLine(wAll)}`);
    L(`cleanup          ${o.keep ? 'kept open (--keep)' : `${cancelled} cancelled, ${cancelFailed} not${cancelFailures.size ? ` (${[...cancelFailures].map(([k, v]) => `${v}× ${k}`).join('; ')})` : ''}, in ${cancelSeconds.toFixed(0)} s`}`);
    L(`targets          (figures, not assertions)`);
    if (o.mode === 'open') {
      L(`  lateness p99 ≤ 1 s, max ≤ 5 s (${created.length} open): alerts p99 ${ms(alertD.p99)} max ${ms(alertD.max)} → ${met(alertD.p99 <= 1000 && alertD.max <= 5000)}; records p99 ${ms(recD.p99)} max ${ms(recD.max)} → ${met(recD.p99 <= 1000 && recD.max <= 5000)}`);
      L(`  status reads p99 ≤ 50 ms (${created.length} open): p99 ${ms(readD.p99)} → ${met(readD.p99 <= 50)}`);
    } else {
      L(`  ${created.length} deadlines in one second all escalated within 60 s: last ${ms(escD.max)} after T, ${done.size}/${expected} escalated → ${met(escD.max <= 60_000 && done.size >= expected)}`);
    }
    if (bare) L(`  HTTP intake ≥ 80 % of bare starts, p99 ≤ 0.5 s at ${o.concurrency} in flight: ${((httpFirstRate / bareRate) * 100).toFixed(0)} % (whole run ${((httpRate / bareRate) * 100).toFixed(0)} %), p99 ${ms(intakeD.p99)} → ${met(httpFirstRate / bareRate >= 0.8 && intakeD.p99 <= 500)}`);
    L('='.repeat(78));
  } catch (err) {
    L(`(the summary stopped here: ${(err as Error).stack ?? String(err)})`);
  }
  console.log(lines.join('\n'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[bench:lateness] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
