/**
 * The disturbances: worker SIGKILLs at random (sometimes both at once, up to a few seconds), one
 * Temporal dev server restart (its state in its SQLite file), one PostgreSQL outage (stopped, then
 * started again on the same port and data directory) with routes probed during it, and the API
 * SIGKILLed while an intake burst is in flight.
 */
import type { Api, Answer } from './http';
import { sleep } from './flow';
import type { Stack } from './stack';

export interface Probe {
  during: 'postgres' | 'temporal';
  route: string;
  status: number;
  ms: number;
  message?: string;
}

export interface MonkeyStats {
  singleKills: number;
  bothDown: number;
  bothDownMs: number[];
  temporalDownMs?: number;
  postgresDownMs?: number;
  apiKills: number;
  probes: Probe[];
  /** Idempotency keys of the intakes posted during the PostgreSQL outage (they must create nothing). */
  outageIntakeKeys: string[];
}

export class Monkey {
  readonly stats: MonkeyStats = { singleKills: 0, bothDown: 0, bothDownMs: [], apiKills: 0, probes: [], outageIntakeKeys: [] };
  private running = false;
  private loop?: Promise<void>;
  private paused = false;

  constructor(
    private readonly stack: Stack,
    private readonly rng: () => number,
    private readonly options: { killEveryS: [number, number]; bothDownMaxS: number },
    private readonly log: (line: string) => void,
  ) {}

  private between(min: number, max: number): number {
    return min + (max - min) * this.rng();
  }

  /**
   * Starts killing workers at random until stop(): a pause of a few seconds once a worker is
   * serving again, then one serving worker SIGKILLed (back after 0–2 s), or at times both (back
   * after up to `bothDownMaxS`). Paused during the Temporal restart and the PostgreSQL outage,
   * which are disturbances of their own.
   */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.untilServing();
        await sleep(this.between(...this.options.killEveryS) * 1000);
        if (!this.running) break;
        if (this.paused) continue;
        const workers = this.stack.workers;
        const serving = workers.filter((w) => w.isReady);
        if (serving.length === 0) continue;
        if (this.rng() < 0.25) {
          const downMs = this.between(2, this.options.bothDownMaxS) * 1000;
          await Promise.all(workers.map((w) => w.kill()));
          this.stats.bothDown += 1;
          this.stats.bothDownMs.push(downMs);
          await sleep(downMs);
        } else {
          const victim = serving[Math.floor(this.rng() * serving.length)];
          await victim.kill();
          this.stats.singleKills += 1;
          await sleep(this.between(0, 2) * 1000);
        }
        for (const w of workers) w.up();
      }
    })();
  }

  /** Waits (up to 60 s) until a worker serves, or stop(). */
  private async untilServing(): Promise<void> {
    const until = Date.now() + 60_000;
    while (this.running && Date.now() < until && !this.stack.workers.some((w) => w.isReady)) await sleep(250);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const w of this.stack.workers) w.up();
  }

  /** Restarts the Temporal dev server once; routes are probed while it is down. */
  async restartTemporal(api: Api, requestId: string | undefined): Promise<void> {
    this.paused = true;
    const started = Date.now();
    this.log('Temporal dev server: stopping');
    const probing = this.probeWhile('temporal', api, requestId, () => Date.now() - started < 4000, 1);
    await this.stack.stopTemporal();
    await this.stack.startTemporal();
    this.stats.temporalDownMs = Date.now() - started;
    await probing;
    this.log(`Temporal dev server: back after ${(this.stats.temporalDownMs / 1000).toFixed(1)} s`);
    this.paused = false;
  }

  /** Stops PostgreSQL for `seconds`, probing routes every few seconds meanwhile, then starts it again. */
  async postgresOutage(seconds: number, api: Api, requestId: string | undefined): Promise<void> {
    this.paused = true;
    this.log(`PostgreSQL: stopping for ${seconds} s`);
    await this.stack.stopPostgres();
    const downAt = Date.now();
    await this.probeWhile('postgres', api, requestId, () => Date.now() - downAt < seconds * 1000 - 6000, 5000);
    const left = seconds * 1000 - (Date.now() - downAt);
    if (left > 0) await sleep(left);
    await this.stack.startPostgres();
    this.stats.postgresDownMs = Date.now() - downAt;
    this.log(`PostgreSQL: back after ${(this.stats.postgresDownMs / 1000).toFixed(1)} s`);
    this.paused = false;
  }

  /** SIGKILLs the API while `burst` is in flight, then starts it again. */
  async killApiDuring(burst: Promise<unknown>, afterMs: number): Promise<void> {
    await sleep(afterMs);
    this.log('API: SIGKILL during the intake burst');
    await this.stack.api.kill();
    this.stats.apiKills += 1;
    await sleep(500);
    this.stack.api.up();
    const ready = await this.stack.api.waitReady(90_000);
    this.log(`API: ${ready ? 'back' : 'NOT back within 90 s'}`);
    await burst;
  }

  /** Probes a few routes in rounds while `more()` holds: each answer's status and time. */
  private async probeWhile(during: Probe['during'], api: Api, requestId: string | undefined, more: () => boolean, pauseMs: number): Promise<void> {
    const id = requestId ?? 'SR-20000101-000001';
    let round = 0;
    do {
      round += 1;
      const key = `chaos-outage-${during}-${Date.now()}-${round}`;
      if (during === 'postgres') this.stats.outageIntakeKeys.push(key);
      const agent = api.as('agent-1');
      const calls: Array<[string, Promise<Answer>]> = [
        ['GET /health', api.get('/health')],
        ['GET /requests', agent.get('/requests?limit=5')],
        ['GET /requests/:id', agent.get(`/requests/${id}`)],
        ['GET /requests/:id/timeline', agent.get(`/requests/${id}/timeline`)],
        ...(during === 'postgres'
          ? ([
              ['POST /requests', agent.post('/requests', { kind: 'consultation', customer: { name: 'Probe', phone: '13800000009', address: 'x' }, regionId: 'north', description: 'outage probe' }, { 'idempotency-key': key })],
              ['POST /requests/:id/postponements', agent.post(`/requests/${id}/postponements`, { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'outage probe' })],
            ] as Array<[string, Promise<Answer>]>)
          : []),
      ];
      for (const [route, pending] of calls) {
        const a = await pending;
        this.stats.probes.push({ during, route, status: a.status, ms: Math.round(a.ms), ...(a.status !== 503 && { message: String(a.body?.message ?? a.error ?? '').slice(0, 200) }) });
      }
      if (more()) await sleep(pauseMs);
    } while (more());
  }
}
