/**
 * After the run has settled, what PostgreSQL and Temporal hold is checked against each other:
 * nothing stuck, every history replays, one accountability record per breach and its alerts once,
 * every job SMS once and only to the technician who holds the job, timeline = ledger = outbox =
 * the workflow's own decisions, and 503 (never 500) while a dependency was down.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { RequestStatus } from '../../domain/request';
import type { RaceRecord } from './flow';
import { factsOf, type RunFacts } from './history';
import type { HttpStats } from './http';
import type { MonkeyStats } from './monkey';

export interface Check {
  name: string;
  /** The number the summary prints (0 is good for every "bad things" count). */
  value: number;
  pass: boolean;
  /** What the number counts, and the facts behind a failure. */
  note: string;
  details: string[];
}

export interface CheckInput {
  pool: Pool;
  client: Client;
  bundleFile: string;
  /** Requests the lifecycles created, and the idempotency key each was created with. */
  created: Array<{ requestId?: string; key: string; burst: boolean; answers: Array<{ status: number; requestId?: string }> }>;
  races: RaceRecord[];
  http: HttpStats;
  monkey: MonkeyStats;
  log: (line: string) => void;
}

export interface CheckReport {
  checks: Check[];
  facts: Map<string, RunFacts>;
  histories: Map<string, temporal.api.history.v1.IHistory>;
  infos: WorkflowExecutionInfo[];
  info: Record<string, number | string>;
}

const check = (name: string, bad: string[], note: string, value = bad.length, pass = bad.length === 0): Check => ({ name, value, pass, note, details: bad.slice(0, 25) });

/** Alert keys: `<req>/<clock>/<cycle>/alert/<staff>` (level 1) and `<req>/<clock>/<cycle>/L<n>/alert/<staff>`. */
const ALERT_KEY = /^(SR-\d{8}-\d+)\/([a-z_]+)\/(\d+)\/(?:L(\d+)\/)?alert\/(.+)$/;
/** Job keys: `<req>/job/<round>/<technician>`. */
const JOB_KEY = /^(SR-\d{8}-\d+)\/job\/(\d+)\/([^/]+)$/;
const WITHDRAWN_KEY = /^(SR-\d{8}-\d+)\/job\/(\d+)\/withdrawn\/(.+)$/;

export async function runChecks(input: CheckInput): Promise<CheckReport> {
  const { pool, client, log } = input;
  const checks: Check[] = [];
  const info: Record<string, number | string> = {};

  // ---------------------------------------------------------------- Temporal: every run and its history
  const infos: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ pageSize: 500 })) infos.push(wf);
  const facts = new Map<string, RunFacts>();
  const histories: Array<{ workflowId: string; history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> }> = [];
  const queue = [...infos];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let wf = queue.shift(); wf; wf = queue.shift()) {
        const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        histories.push({ workflowId: wf.workflowId, history });
        facts.set(wf.workflowId, factsOf(wf.workflowId, history));
      }
    }),
  );
  log(`fetched ${histories.length} histories`);
  info.workflows = infos.length;

  // 1. Stuck: still open after settling, closed other than completed, or failing its tasks for nondeterminism.
  const stuck: string[] = [];
  for (const wf of infos) {
    const f = facts.get(wf.workflowId)!;
    if (wf.status.name === 'RUNNING') {
      const d = await client.workflow.getHandle(wf.workflowId).describe();
      const task = d.raw.pendingWorkflowTask;
      const acts = (d.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 80)})` : ''}`);
      let stage = '?';
      try {
        stage = (await client.workflow.getHandle(wf.workflowId).query<RequestStatus>('status')).stage;
      } catch {
        // no worker answered: left as '?'
      }
      stuck.push(`${wf.workflowId} open at stage ${stage}; workflow task ${task ? `pending, attempt ${task.attempt}` : 'none'}; activities: ${acts.join('; ') || 'none'}; task failures ${f.taskFailures.length}`);
    } else if (wf.status.name !== 'COMPLETED') stuck.push(`${wf.workflowId} closed as ${wf.status.name}`);
    if (f.nondeterminism > 0) stuck.push(`${wf.workflowId}: ${f.nondeterminism} workflow task failure(s) for nondeterminism: ${f.taskFailures.find((t) => /NON_DETERMINISTIC|nondetermin/i.test(t.cause + t.message))?.message}`);
  }
  checks.push(check('stuck runs (open, not completed, or nondeterministic)', stuck, 'runs'));
  const allFailures = [...facts.values()].flatMap((f) => f.taskFailures.map((t) => t.cause));
  info['workflow task failures (all causes)'] = allFailures.length;
  info['workflow task failure causes'] = [...new Set(allFailures)].map((c) => `${c}×${allFailures.filter((x) => x === c).length}`).join(', ') || 'none';
  info['workflow task timeouts'] = [...facts.values()].reduce((n, f) => n + f.taskTimeouts, 0);
  info['activity timeouts in histories'] = [...facts.values()].reduce((n, f) => n + f.activityTimeouts, 0);

  // 2. Every history replays on the code the workers ran (the bundle built from workflows/index.ts).
  const replayFailures: string[] = [];
  let replayed = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: input.bundleFile }, replayName: 'chaos-replay' }, histories)) {
    replayed += 1;
    if (r.error) replayFailures.push(`${r.workflowId}: ${r.error.name}: ${r.error.message.slice(0, 300)}`);
  }
  checks.push(check('histories that do not replay', replayFailures, `of ${replayed} replayed`));

  // ---------------------------------------------------------------- PostgreSQL
  const registry = (await pool.query<{ id: string; stage: string; closed_at: Date | null; technician_id: string | null; snapshot: RequestStatus }>('SELECT id, stage, closed_at, technician_id, snapshot FROM service_requests')).rows;
  const events = (await pool.query<{ request_id: string; seq: number; type: string; detail: Record<string, unknown> | null }>('SELECT request_id, seq, type, detail FROM request_events')).rows;
  const records = (await pool.query<{ request_id: string; stage: string; cycle: number; responsible_staff_id: string | null }>('SELECT request_id, stage, cycle, responsible_staff_id FROM accountability_records')).rows;
  const outbox = (await pool.query<{ message_key: string; request_id: string | null; purpose: string; recipient_staff_id: string | null; status: string }>('SELECT message_key, request_id, purpose, recipient_staff_id, status FROM sms_outbox')).rows;
  const claims = (await pool.query<{ request_id: string; round: number; technician_id: string }>('SELECT request_id, round, technician_id FROM dispatch_claims')).rows;
  const intakeKeys = new Map((await pool.query<{ idempotency_key: string; request_id: string }>('SELECT idempotency_key, request_id FROM intake_keys')).rows.map((r) => [r.idempotency_key, r.request_id]));
  const results = new Map([...facts.values()].filter((f) => f.result).map((f) => [f.workflowId, f.result!]));
  const group = <T>(rows: T[], key: (r: T) => string) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return m;
  };

  // 3. Ledger: one accountability record per breach (request, clock, cycle), none without a breach.
  const ledgerBad: string[] = [];
  const recordsBy = group(records, (r) => `${r.request_id}/${r.stage}/${r.cycle}`);
  let breachCount = 0;
  for (const [id, s] of results) {
    for (const b of s.breaches) {
      breachCount += 1;
      const n = recordsBy.get(`${id}/${b.clock}/${b.cycle}`)?.length ?? 0;
      if (n !== 1) ledgerBad.push(`${id}: breach ${b.clock} cycle ${b.cycle} has ${n} accountability records`);
    }
  }
  for (const [key, rows] of recordsBy) {
    const [id, clock, cycle] = key.split('/');
    const s = results.get(id);
    if (s && !s.breaches.some((b) => b.clock === clock && b.cycle === Number(cycle))) ledgerBad.push(`${key}: ${rows.length} accountability record(s) for a breach the workflow never had`);
    if (rows.some((r) => !r.responsible_staff_id)) ledgerBad.push(`${key}: record names nobody responsible`);
  }
  checks.push(check('breaches without exactly one ledger record', ledgerBad, `of ${breachCount} breaches`));
  info.breaches = breachCount;

  // 4. Alerts: each breach alerted (level 1), each escalation level alerted, each once per recipient; nothing unsent.
  const alertBad: string[] = [];
  const alertRows = outbox.filter((o) => o.purpose === 'alert' && ALERT_KEY.test(o.message_key));
  const perAlert = group(alertRows, (o) => {
    const [, id, clock, cycle, level, staff] = ALERT_KEY.exec(o.message_key)!;
    return `${id}/${clock}/${cycle}/L${level ?? 1}/${staff}`;
  });
  for (const [k, rows] of perAlert) if (rows.length > 1) alertBad.push(`${k}: ${rows.length} alerts`);
  const eventsBy = group(events, (e) => e.request_id);
  for (const [id, s] of results) {
    for (const b of s.breaches) {
      const l1 = alertRows.filter((o) => o.message_key.startsWith(`${id}/${b.clock}/${b.cycle}/alert/`));
      if (l1.length === 0) alertBad.push(`${id}: breach ${b.clock}/${b.cycle} was never alerted`);
    }
    const escalated = (eventsBy.get(id) ?? []).filter((e) => e.type === 'escalated');
    for (const e of escalated) {
      const clock = String(e.detail?.clock);
      const level = Number(e.detail?.level);
      if (!alertRows.some((o) => new RegExp(`^${id}/${clock}/\\d+/L${level}/alert/`).test(o.message_key))) alertBad.push(`${id}: escalation ${clock} L${level} (seq ${e.seq}) was never alerted`);
    }
    for (const o of alertRows.filter((x) => x.request_id === id)) {
      const [, , clock, cycle, level] = ALERT_KEY.exec(o.message_key)!;
      if (!s.breaches.some((b) => b.clock === clock && b.cycle === Number(cycle))) alertBad.push(`${o.message_key}: alert for a breach the workflow never had`);
      if (level && !escalated.some((e) => e.detail?.clock === clock && Number(e.detail?.level) === Number(level))) alertBad.push(`${o.message_key}: level ${level} alert without its escalation event`);
    }
  }
  const unsent = outbox.filter((o) => o.status !== 'sent');
  for (const o of unsent) alertBad.push(`${o.message_key}: ${o.purpose} SMS left ${o.status}`);
  checks.push(check('alerts missing, doubled, unsent or for nothing', alertBad, `of ${alertRows.length} alert SMS, ${outbox.length} SMS in all`));
  info['SMS in the outbox'] = outbox.length;

  // 5. Job SMS: once per round, only to the technician who claimed it, and the last round's holder is the assignee.
  const jobBad: string[] = [];
  const jobs = outbox.filter((o) => o.purpose === 'job');
  const claimOf = new Map(claims.map((c) => [`${c.request_id}/${c.round}`, c.technician_id]));
  const jobsBy = group(jobs, (o) => {
    const m = JOB_KEY.exec(o.message_key);
    return m ? `${m[1]}/${m[2]}` : `?${o.message_key}`;
  });
  for (const [k, rows] of jobsBy) {
    if (k.startsWith('?')) jobBad.push(`${k.slice(1)}: job SMS with an unexpected key`);
    if (rows.length > 1) jobBad.push(`${k}: ${rows.length} job SMS in one round (${rows.map((r) => r.recipient_staff_id).join(', ')})`);
    for (const r of rows) if (claimOf.get(k) !== r.recipient_staff_id) jobBad.push(`${k}: job SMS to ${r.recipient_staff_id}, round claimed by ${claimOf.get(k) ?? 'nobody'}`);
  }
  for (const [id, s] of results) {
    const mine = [...jobsBy.entries()].filter(([k]) => k.startsWith(`${id}/`)).map(([k, rows]) => ({ round: Number(k.split('/')[1]), to: rows[0].recipient_staff_id }));
    const last = mine.sort((a, b) => b.round - a.round)[0];
    if (s.assignee) {
      if (!last) jobBad.push(`${id}: held by ${s.assignee.staffId} without any job SMS`);
      else if (last.to !== s.assignee.staffId) jobBad.push(`${id}: held by ${s.assignee.staffId}, last job SMS (round ${last.round}) went to ${last.to}`);
      const reg = registry.find((r) => r.id === id);
      if (reg && reg.technician_id !== s.assignee.staffId) jobBad.push(`${id}: registry technician_id ${reg.technician_id}, workflow assignee ${s.assignee.staffId}`);
      for (const m of mine.filter((x) => x.round > 0)) {
        const before = mine.find((x) => x.round === m.round - 1);
        if (before && before.to !== m.to && !outbox.some((o) => WITHDRAWN_KEY.test(o.message_key) && o.message_key.startsWith(`${id}/job/${m.round}/withdrawn/${before.to}`))) {
          jobBad.push(`${id}: ${before.to} lost the job in round ${m.round} without a withdrawal notice`);
        }
      }
    } else if (last && !outbox.some((o) => o.message_key === `${id}/job/${last.round}/cancelled/${last.to}` && o.status === 'sent')) {
      // A close that overtook the dispatch withdraws the job: the texted technician is told it is off.
      jobBad.push(`${id}: job SMS (round ${last.round}) to ${last.to}, but the request closed (${s.outcome}, final stage ${s.stage}) with nobody holding the job and no notice to them`);
    }
  }
  checks.push(check('job SMS doubled, misdirected or to someone without the job', jobBad, `of ${jobs.length} job SMS`));

  // 6. Timeline = the workflow's decisions = ledger = state.
  const timelineBad: string[] = [];
  let compared = 0;
  for (const [id, f] of facts) {
    const rows = eventsBy.get(id) ?? [];
    for (const c of f.selfConflicts) timelineBad.push(`${id}: the history itself decided ${c}`);
    for (const r of rows) {
      compared += 1;
      const decided = f.events.get(r.seq);
      if (!decided) timelineBad.push(`${id}: timeline seq ${r.seq} "${r.type}" was never decided by the workflow`);
      else if (decided.type !== r.type) timelineBad.push(`${id}: timeline seq ${r.seq} is "${r.type}", the workflow decided "${decided.type}"`);
    }
    const s = f.result;
    if (!s) continue;
    for (const [seq, e] of f.events) if (!rows.some((r) => r.seq === seq)) timelineBad.push(`${id}: "${e.type}" (seq ${seq}) decided by the workflow is missing from the timeline`);
    const count = (type: string) => rows.filter((r) => r.type === type).length;
    const expect = (what: string, timeline: number, state: number) => {
      if (timeline !== state) timelineBad.push(`${id}: ${timeline} "${what}" timeline events, ${state} in the final state`);
    };
    if (s.closedAt && s.stage !== 'closed') timelineBad.push(`${id}: the final state is closed (${s.outcome} at ${s.closedAt}) yet at stage "${s.stage}"`);
    expect('breached', count('breached'), s.breaches.length);
    expect('closed', count('closed'), s.closedAt ? 1 : 0);
    expect('stage_done + customer_unreachable + reopened', count('stage_done') + count('customer_unreachable') + count('reopened'), s.completed.length);
    expect('warned', count('warned'), s.warnings.length);
    expect('postponed', count('postponed'), s.postponements.length);
    expect('extension_approved + extension_rejected', count('extension_approved') + count('extension_rejected'), s.extensions.length);
    expect('corrected', count('corrected'), s.corrections.length);
    expect('pause_requested', count('pause_requested'), s.pauses.length);
    expect('unreachable_report_filed', count('unreachable_report_filed'), s.unreachable.filter((u) => u.reportFiledAt).length);
    expect('dispatched', count('dispatched'), s.completed.some((c) => c.stage === 'dispatch') ? 1 : 0);
    const ledger = records.filter((r) => r.request_id === id).length;
    if (ledger !== count('breached')) timelineBad.push(`${id}: ${count('breached')} "breached" timeline events, ${ledger} accountability records`);
  }
  checks.push(check('timeline events contradicting the workflow, the ledger or the state', timelineBad, `of ${compared} timeline rows`));

  // 6b. A clock met after its deadline must have been breached: the stage's "on time" would contradict the deadline.
  const lateBad: string[] = [];
  let metClocks = 0;
  for (const [id, st] of results) {
    for (const c of st.clocks) {
      if (c.state !== 'met' || !c.deadline || !c.endedAt) continue;
      // Answered on the first call: done at intake, whenever the workflow got to record it.
      if (st.completed.some((x) => x.stage === c.stops && x.note === 'answered on first contact')) continue;
      metClocks += 1;
      const late = Date.parse(c.endedAt) - Date.parse(c.deadline);
      if (c.onTime && late > 0) lateBad.push(`${id}: ${c.clock} (${c.rule}) met ${(late / 1000).toFixed(1)} s after its deadline ${c.deadline}, recorded on time: no breach, no record, no alert`);
    }
    st.unreachable.forEach((u, index) => {
      const late = u.reportFiledAt ? Date.parse(u.reportFiledAt) - Date.parse(u.reportDueAt) : 0;
      if (late > 0 && !st.breaches.some((b) => b.clock === 'unreachable_report' && b.cycle === index)) {
        lateBad.push(`${id}: the R12 report was filed ${(late / 1000).toFixed(1)} s after it was due (${u.reportDueAt}), recorded on time: no breach, no record, no alert`);
      }
    });
  }
  checks.push(check('clocks met after their deadline yet recorded on time', lateBad, `of ${metClocks} clocks met`));

  // 7. Registry and runs: one registry row per run, agreeing with the run's final state; nothing lost.
  const registryBad: string[] = [];
  const ids = new Set(infos.map((i) => i.workflowId));
  for (const r of registry) if (!ids.has(r.id)) registryBad.push(`${r.id}: registry row without a workflow run (lost)`);
  for (const [id, s] of results) {
    const r = registry.find((x) => x.id === id);
    if (!r) registryBad.push(`${id}: run without a registry row`);
    else if (r.stage !== s.stage || r.snapshot.outcome !== s.outcome || r.snapshot.breaches.length !== s.breaches.length || !r.closed_at) {
      registryBad.push(`${id}: registry says ${r.stage}/${r.snapshot.outcome}/${r.snapshot.breaches.length} breaches, the run ended ${s.stage}/${s.outcome}/${s.breaches.length}`);
    }
  }
  for (const c of input.created) {
    if (!c.requestId) registryBad.push(`intake ${c.key}: never answered with a request number`);
    else if (!ids.has(c.requestId)) registryBad.push(`intake ${c.key}: ${c.requestId} has no workflow run`);
    const distinct = new Set(c.answers.map((a) => a.requestId).filter(Boolean));
    if (distinct.size > 1) registryBad.push(`intake ${c.key}: answered with ${[...distinct].join(' and ')}`);
    if (c.requestId && intakeKeys.get(c.key) !== c.requestId) registryBad.push(`intake ${c.key}: intake_keys says ${intakeKeys.get(c.key)}, the answer ${c.requestId}`);
  }
  for (const key of input.monkey.outageIntakeKeys) if (intakeKeys.has(key)) registryBad.push(`intake ${key} answered during the outage created ${intakeKeys.get(key)}`);
  checks.push(check('requests lost, doubled or with a stale registry row', registryBad, `of ${registry.length} registry rows, ${ids.size} runs`));
  const burst = input.created.filter((c) => c.burst);
  info['intake burst'] = `${burst.length} requests, ${burst.filter((c) => c.answers.some((a) => a.status === 0)).length} cut off by the API kill, ${burst.filter((c) => c.answers.some((a) => a.status === 200)).length} answered as replays`;
  info['intakes answered 202 (workflow started later)'] = input.created.filter((c) => c.answers.some((a) => a.status === 202)).length;

  // 8. Races: one winner, and the state agrees.
  const raceBad: string[] = [];
  for (const r of input.races) {
    const s = results.get(r.requestId);
    const wins = r.answers.filter((a) => a.status === 200);
    const unsure = r.answers.filter((a) => [0, 500, 502, 503, 504].includes(a.status)).length;
    const says = r.answers.map((a) => `${a.staff}:${a.status}${a.assignee ? `→${a.assignee}` : ''}`).join(' ');
    if (r.what === 'dispatch') {
      const named = new Set(wins.map((a) => a.assignee));
      if (named.size > 1) raceBad.push(`${r.requestId} dispatch: answers name different holders (${says})`);
      const dispatchHolder = s?.completed.some((c) => c.stage === 'dispatch') ? claims.find((c) => c.request_id === r.requestId && c.round === 0)?.technician_id : undefined;
      if (wins.length > 0 && dispatchHolder && !named.has(dispatchHolder)) raceBad.push(`${r.requestId} dispatch: answered ${[...named].join(',')}, round 0 held by ${dispatchHolder} (${says})`);
    } else if (r.what === 'reassign') {
      // Two reassignments may both be accepted one after the other; the state must then show both, and the last holder.
      const reassigned = (eventsBy.get(r.requestId) ?? []).filter((e) => e.type === 'reassigned').length;
      if (wins.length > reassigned) raceBad.push(`${r.requestId} reassign: ${wins.length} accepted, ${reassigned} in the timeline (${says})`);
      if (wins.length > 0 && s?.assignee && !wins.some((a) => a.assignee === s.assignee!.staffId)) raceBad.push(`${r.requestId} reassign: held by ${s.assignee.staffId}, answers named ${wins.map((a) => a.assignee).join(', ')}`);
    } else if (wins.length > 1) raceBad.push(`${r.requestId} ${r.what}: ${wins.length} accepted (${says})`);
    if (s && r.what === 'contact' && s.completed.filter((c) => c.stage === 'contact').length > 1) raceBad.push(`${r.requestId}: contact recorded twice`);
    if (s && r.what === 'extension-decision' && s.extensions.length > 1) raceBad.push(`${r.requestId}: ${s.extensions.length} extension decisions`);
    if (wins.length === 0 && unsure === 0 && r.what !== 'dispatch') raceBad.push(`${r.requestId} ${r.what}: nobody won (${says})`);
  }
  checks.push(check('races with more than one winner or an answer the state contradicts', raceBad, `of ${input.races.length} races`));

  // 9. Outages: 503 within a few seconds, never 500.
  const probes = input.monkey.probes.filter((p) => p.during === 'postgres');
  const bad503: string[] = [];
  for (const p of probes) {
    if (p.status !== 503) bad503.push(`PostgreSQL down: ${p.route} answered ${p.status} ${p.message ?? ''}`);
    else if (p.ms > 6000) bad503.push(`PostgreSQL down: ${p.route} took ${p.ms} ms`);
  }
  for (const p of input.monkey.probes.filter((x) => x.during === 'temporal')) if (p.status >= 500 && p.status !== 503) bad503.push(`Temporal down: ${p.route} answered ${p.status} ${p.message ?? ''}`);
  const n503 = probes.filter((p) => p.status === 503).length;
  const n500 = probes.filter((p) => p.status === 500).length;
  checks.push({ ...check('outage probes not answered 503 within 6 s', bad503, `PostgreSQL down: ${n503} × 503, ${n500} × 500 of ${probes.length} probes`), pass: bad503.length === 0 && n503 > 0 });
  info['outage probes'] = `PostgreSQL down: ${n503}×503 ${n500}×500 ${probes.length - n503 - n500}×other of ${probes.length}; Temporal down: ${input.monkey.probes
    .filter((p) => p.during === 'temporal')
    .map((p) => p.status)
    .sort()
    .join(',')}`;

  // 10. No 500 anywhere in the run.
  checks.push(check('HTTP 500 answers during the whole run', input.http.serverErrors.map((e) => `${e.at} ${e.method} ${e.route} ${e.status}: ${e.message.slice(0, 200)}`), `of ${Object.values(input.http.byStatus).reduce((a, b) => a + b, 0)} HTTP calls`));

  return { checks, facts, infos, info, histories: new Map(histories.map((h) => [h.workflowId, h.history])) };
}
