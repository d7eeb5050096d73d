/**
 * One lifecycle driven over HTTP while processes crash: reads go through GET /requests/:id (the
 * workflow, or the registry when no worker answers), actions through the API's action table.
 * An answer that says nothing (API down, 503, 504) is followed by reading the request again: the
 * action may still happen (an update the server admitted reaches a worker later), so it is
 * repeated only if the request does not show it, and a refusal after such an answer is accepted
 * when the request shows the action done. Every wait is bounded by the lifecycle's budget.
 */
import type { RequestStatus } from '../../domain/request';
import { type Answer, Api, uncertain } from './http';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Refused extends Error {
  constructor(
    readonly action: string,
    readonly answer: Answer,
  ) {
    super(`${action} refused ${answer.status}: ${answer.body?.message ?? JSON.stringify(answer.body)}`);
  }
}

export class OutOfTime extends Error {}

/** One contended action's answers, checked afterwards against the request's final state. */
export interface RaceRecord {
  requestId: string;
  what: 'dispatch' | 'contact' | 'extension-decision' | 'reassign';
  answers: Array<{ staff: string; status: number; assignee?: string; message?: string }>;
}

export const races: RaceRecord[] = [];

const POLL_MS = 600;

export class Flow {
  id = '';
  last?: RequestStatus;
  private actions = 0;
  readonly notes: string[] = [];

  constructor(
    readonly api: Api,
    readonly path: string,
    readonly deadline: number,
  ) {}

  as(staff: string): Api {
    return this.api.as(staff);
  }

  private remaining(what: string): number {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new OutOfTime(`${this.path} ${this.id}: out of time ${what} (last stage ${this.last?.stage ?? '?'})`);
    return left;
  }

  /** POST /requests with an Idempotency-Key, repeated with the same key until it is answered. */
  async create(staff: string, body: Record<string, unknown>, key: string, answers: Array<{ status: number; requestId?: string }> = []): Promise<RequestStatus> {
    for (let attempt = 0; ; attempt += 1) {
      this.remaining('creating the request');
      const a = await this.as(staff).post('/requests', body, { 'idempotency-key': key });
      answers.push({ status: a.status, ...(a.body?.requestId && { requestId: String(a.body.requestId) }) });
      // 202: taken and numbered while the workflow service was not answering; the intake healer starts it.
      if (a.status === 201 || a.status === 200 || a.status === 202) {
        this.id = a.body.requestId;
        this.last = a.body;
        return a.body;
      }
      if (!uncertain(a)) throw new Refused('intake', a);
      await sleep(Math.min(500 * 2 ** attempt, 4000));
    }
  }

  /** The request's state now; waits out an outage within the budget. */
  async read(): Promise<RequestStatus> {
    for (let attempt = 0; ; attempt += 1) {
      this.remaining('reading the request');
      const a = await this.api.get(`/requests/${this.id}`);
      if (a.status === 200) {
        this.last = a.body;
        return a.body;
      }
      if (!uncertain(a)) throw new Refused('read', a);
      await sleep(Math.min(500 * 2 ** attempt, 3000));
    }
  }

  /** Polls until `pred` holds. */
  async until(pred: (s: RequestStatus) => boolean, what: string): Promise<RequestStatus> {
    for (;;) {
      this.remaining(`waiting for ${what}`);
      const s = await this.read();
      if (pred(s)) return s;
      await sleep(POLL_MS);
    }
  }

  /** Waits until the wall clock passes `ms` (a deadline the path wants behind it), polling nothing. */
  async past(ms: number, what: string): Promise<void> {
    while (Date.now() <= ms) {
      this.remaining(`waiting for ${what}`);
      await sleep(Math.min(ms - Date.now() + 50, 1000));
    }
  }

  /** Waits until the timeline (PostgreSQL, via the API) holds an event matching `pred`; false when it never did within `maxMs`. */
  async timelineHas(pred: (e: { type: string; detail?: Record<string, unknown> }) => boolean, maxMs: number): Promise<boolean> {
    const until = Math.min(Date.now() + maxMs, this.deadline);
    while (Date.now() < until) {
      const a = await this.api.get(`/requests/${this.id}/timeline`);
      if (a.status === 200 && (a.body.events as Array<{ type: string; detail?: Record<string, unknown> }>).some(pred)) return true;
      await sleep(POLL_MS);
    }
    return false;
  }

  /**
   * POSTs an action until it is answered; `done` says from the request's state whether it already
   * happened (after an answer that said nothing, or a refusal that may be because it did).
   */
  async act(staff: string, action: string, body: Record<string, unknown>, done?: (s: RequestStatus) => boolean): Promise<RequestStatus> {
    // One key for every attempt of this action: the API records it once (one update id).
    const key = `${this.id}-${action.replace(/\W/g, '_')}-${(this.actions += 1)}`;
    for (let attempt = 0; ; attempt += 1) {
      this.remaining(`${action} by ${staff}`);
      const a = await this.as(staff).post(`/requests/${this.id}/${action}`, body, { 'idempotency-key': key });
      if (a.status === 200) {
        this.last = a.body;
        return a.body;
      }
      this.notes.push(`${new Date().toISOString().slice(11, 23)} ${action} by ${staff}: ${a.status} ${String(a.body?.message ?? a.error ?? '').slice(0, 100)}`);
      // 404 for a request this flow was given a number for: taken while Temporal was down (202) and
      // not yet started by the intake healer. Wait for it like an outage.
      if (!uncertain(a) && !(a.status === 404 && this.id)) {
        const message = String(a.body?.message ?? '');
        if (done) {
          const s = await this.read();
          if (done(s)) return s;
        }
        if (a.status === 409 && /try again in a moment/i.test(message)) {
          await sleep(1000);
          continue;
        }
        throw new Refused(action, a);
      }
      await sleep(Math.min(1000 * 2 ** attempt, 5000));
      if (done) {
        const s = await this.read();
        if (done(s)) return s;
      }
    }
  }

  /** Several actions at the same moment; answers recorded for the race check. */
  async race(what: RaceRecord['what'], calls: Array<{ staff: string; action: string; body: Record<string, unknown> }>): Promise<Answer[]> {
    const answers = await Promise.all(calls.map((c, i) => this.as(c.staff).post(`/requests/${this.id}/${c.action}`, c.body, { 'idempotency-key': `${this.id}-race-${what}-${i}` })));
    races.push({
      requestId: this.id,
      what,
      answers: answers.map((a, i) => ({
        staff: calls[i].staff,
        status: a.status,
        ...(a.status === 200 && a.body?.assignee && { assignee: a.body.assignee.staffId as string }),
        ...(a.status !== 200 && { message: String(a.body?.message ?? a.error ?? '') }),
      })),
    });
    return answers;
  }
}

export const soon = (ms = 0) => new Date(Date.now() + ms).toISOString();
export const clockOf = (s: RequestStatus, name: string) => s.clocks.find((c) => c.clock === name);
export const breached = (s: RequestStatus, clock: string, cycle = 0) => s.breaches.some((b) => b.clock === clock && b.cycle === cycle);
export const atStage = (stage: string) => (s: RequestStatus) => s.stage === stage;
export const pastStage = (stage: string) => (s: RequestStatus) => s.stage !== stage;
/** The stage is current and no clock it stops is still starting (a working-day deadline being computed). */
export const readyAt = (stage: string) => (s: RequestStatus) => s.stage === stage && !s.clocks.some((c) => c.state === 'starting' && c.stops === stage) && !s.asOf;
