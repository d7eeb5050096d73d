/**
 * The chaos run's HTTP client: one demo staff member per client (their key from db/demo-data.ts),
 * every answer counted by route and status, the API process being down counted as status 0.
 * Only 127.0.0.1.
 */
import { demoApiKeys } from '../../db/demo-data';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes, read by the paths
  body: any;
  ms: number;
  error?: string;
}

export interface HttpStats {
  byStatus: Record<string, number>;
  /** 500s anywhere, with route and message: each one is a product defect. */
  serverErrors: Array<{ at: string; method: string; route: string; status: number; message: string }>;
}

export const httpStats: HttpStats = { byStatus: {}, serverErrors: [] };

/** Route shape for counting: request numbers replaced. */
const routeOf = (p: string) => p.replace(/SR-\d{8}-\d+/g, ':id').replace(/\?.*$/, '');

export class Api {
  private static keys?: Record<string, string>;

  constructor(
    readonly baseUrl: string,
    readonly staffId?: string,
  ) {}

  as(staffId: string): Api {
    return new Api(this.baseUrl, staffId);
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<Answer> {
    Api.keys ??= demoApiKeys();
    const auth: Record<string, string> = this.staffId ? { authorization: `Bearer ${Api.keys[this.staffId]}` } : {};
    const started = performance.now();
    let answer: Answer;
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? { ...auth, ...headers } : { 'content-type': 'application/json', ...auth, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text
      }
      answer = { status: res.status, body: parsed, ms: performance.now() - started };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      answer = { status: 0, body: undefined, ms: performance.now() - started, error: cause ?? (err as Error).name ?? String(err) };
    }
    const key = `${answer.status}`;
    httpStats.byStatus[key] = (httpStats.byStatus[key] ?? 0) + 1;
    if (answer.status >= 500 && answer.status !== 503 && answer.status !== 504) {
      httpStats.serverErrors.push({ at: new Date().toISOString(), method, route: routeOf(path), status: answer.status, message: String(answer.body?.message ?? answer.body ?? '') });
    }
    return answer;
  }

  get(path: string, timeoutMs?: number) {
    return this.call('GET', path, undefined, {}, timeoutMs);
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs?: number) {
    return this.call('POST', path, body, headers, timeoutMs);
  }
}

/** An answer that says nothing about whether the action happened: the API down, an outage, a deadline. */
export const uncertain = (a: Answer) => a.status === 0 || a.status === 503 || a.status === 504 || a.status === 500 || a.status === 502 || a.status === 429;
