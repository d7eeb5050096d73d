/**
 * `npm run bench`: drives whole repair lifecycles through a running service (`npm start` in another
 * terminal) over HTTP and prints figures: intake latency, time to dispatch, action latency, whole
 * lifecycles per second, and the history size of each run. Figures, not assertions.
 *   BENCH_URL (http://localhost:3000)  BENCH_REQUESTS (20)  BENCH_CONCURRENCY (5)  TEMPORAL_ADDRESS (localhost:7233)
 */
import { Client, Connection } from '@temporalio/client';
import { demoApiKey } from '../db/demo-data';

const base = process.env.BENCH_URL ?? 'http://localhost:3000';
const total = Number(process.env.BENCH_REQUESTS ?? 20);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 5);

// This installation's demo credentials (.data/, printed by npm start): agent-1 takes calls, technicians and agent-2 act.
const keyOf = (staffId: string) => ({ authorization: `Bearer ${demoApiKey(staffId)}` });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bench reads whatever JSON the route answers
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${json.message}`);
  return { json, ms: performance.now() - started };
}

async function waitForStage(id: string, stage: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${base}/requests/${id}`, { headers: keyOf('agent-1') });
    if (((await res.json()) as { stage: string }).stage === stage) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${id} never reached ${stage}`);
}

function stats(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  return `${name.padEnd(22)} p50 ${at(0.5).padStart(7)} ms   p95 ${at(0.95).padStart(7)} ms   max ${sorted.at(-1)!.toFixed(1).padStart(7)} ms`;
}

async function lifecycle(n: number, figures: Record<string, number[]>): Promise<string> {
  const created = await post(
    '/requests',
    {
      customer: { name: `Bench ${n}`, phone: '13800000001', address: `${n} Bench Road` },
      regionId: n % 2 ? 'north' : 'south',
      description: 'Benchmark fault',
      severity: 'general',
    },
    { 'idempotency-key': `bench-${Date.now()}-${n}`, ...keyOf('agent-1') },
  );
  figures.intake.push(created.ms);
  const id = created.json.requestId;
  figures.dispatch.push(await waitForStage(id, 'contact'));
  const status = await fetch(`${base}/requests/${id}`, { headers: keyOf('agent-1') });
  const technicianId = ((await status.json()) as { assignee: { staffId: string } }).assignee.staffId;
  const visitAt = new Date(Date.now() + 3_600_000).toISOString();
  for (const [path, body, actor] of [
    ['contact', { visitAt }, technicianId],
    ['arrival', {}, technicianId],
    ['resolution', {}, technicianId],
    ['callback', { satisfaction: 5, faultResolved: true }, 'agent-2'],
  ] as const) {
    figures.action.push((await post(`/requests/${id}/${path}`, body, keyOf(actor))).ms);
  }
  return id;
}

async function main() {
  const figures: Record<string, number[]> = { intake: [], dispatch: [], action: [] };
  const ids: string[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) ids.push(await lifecycle(next++, figures));
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const client = new Client({ connection });
  const sizes: number[] = [];
  for (const id of ids) {
    await client.workflow.getHandle(id).result();
    sizes.push((await client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0);
  }
  await connection.close();

  console.log(`${total} whole lifecycles, ${concurrency} at a time, against ${base}`);
  console.log(stats('POST /requests', figures.intake));
  console.log(stats('intake → dispatched', figures.dispatch));
  console.log(stats('action (update)', figures.action));
  console.log(`lifecycles per second   ${(total / seconds).toFixed(2)}   (${seconds.toFixed(1)} s in all)`);
  console.log(`history events per run  min ${Math.min(...sizes)}  max ${Math.max(...sizes)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
