/**
 * Repeated failed sign-ins (an unknown or revoked API key) from one client address are limited:
 * after `maxFailures` in `windowMs`, that address gets 429 with Retry-After until the oldest
 * failure leaves the window, without its key being looked up.
 *
 * Why a small in-memory limiter and not @fastify/rate-limit: that plugin counts every request in
 * its window, while only failures should count here (a busy call centre behind one address sends
 * many good requests); it would also need its hook ordered around the key lookup. This one is a
 * sliding window of failure times per address, bounded in memory, in the API's one process. Run
 * several API instances and each keeps its own count (a shared store would be the next step).
 * Behind a reverse proxy, set Fastify's trustProxy so the address is the client's, not the proxy's.
 *
 * Limits: SIGN_IN_MAX_FAILURES (default 10) per SIGN_IN_WINDOW_SECONDS (default 60).
 */

export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the stalest are dropped first. */
  maxAddresses: number;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function signInLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SignInLimits {
  return {
    maxFailures: Math.floor(positive(env.SIGN_IN_MAX_FAILURES, 10)),
    windowMs: positive(env.SIGN_IN_WINDOW_SECONDS, 60) * 1000,
    maxAddresses: 10_000,
  };
}

export class FailedSignIns {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly limits: SignInLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(address: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const times = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) this.failures.delete(address);
    else this.failures.set(address, times);
    return times;
  }

  /** Seconds until this address may try again, or undefined when it may now. */
  retryAfterSeconds(address: string): number | undefined {
    const times = this.recent(address);
    if (times.length < this.limits.maxFailures) return undefined;
    const oldestCounted = times[times.length - this.limits.maxFailures];
    return Math.max(1, Math.ceil((oldestCounted + this.limits.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    // Only the last maxFailures matter; re-inserting keeps the map ordered by latest failure.
    this.failures.delete(address);
    this.failures.set(address, times.slice(-this.limits.maxFailures));
    while (this.failures.size > this.limits.maxAddresses) {
      this.failures.delete(this.failures.keys().next().value as string);
    }
  }

  /** Addresses currently remembered (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }
}
