/**
 * The chaos run's size: how many lifecycles, how many at once, and how long each disturbance lasts.
 * `--size small` (or CHAOS_SIZE=small) is the CI run of about three minutes; the default about eight.
 */
export interface ChaosOptions {
  size: 'full' | 'small';
  /** Lifecycles driven over HTTP (every path at least once; the intake burst adds its own). */
  repeats: number;
  /** Lifecycles in flight at once (the machine has 2 cores). */
  concurrency: number;
  /** Requests posted at once while the API is killed. */
  burst: number;
  /** Seconds PostgreSQL stays down. */
  postgresOutageS: number;
  /** Seconds between worker kills: a random pause in [min, max]. */
  killEveryS: [number, number];
  /** Seconds both workers stay down when they are killed together: up to this. */
  bothDownMaxS: number;
  /** Seconds a lifecycle may take before it is given up (and finished by hand). */
  lifecycleBudgetS: number;
  /** Seconds to wait after the last lifecycle for every run to close. */
  settleS: number;
  /** Print `N passed, N failed` after the summary (the test runner's convention). */
  passedFailedLine: boolean;
  /** Keep the run directory (logs, database, report) instead of deleting the data. */
  keep: boolean;
  seed: number;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const args = [...argv];
  let size = (env.CHAOS_SIZE ?? 'full').toLowerCase();
  let passedFailedLine = false;
  let keep = env.CHAOS_KEEP === '1';
  let seed = Number(env.CHAOS_SEED ?? Date.now() % 100_000);
  while (args.length > 0) {
    const arg = args.shift()!;
    if (arg === '--size') size = (args.shift() ?? '').toLowerCase();
    else if (arg.startsWith('--size=')) size = arg.slice('--size='.length).toLowerCase();
    else if (arg === '--passed-failed') passedFailedLine = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--seed') seed = Number(args.shift());
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'npm run chaos [-- --size small|full] [--passed-failed] [--keep] [--seed N]\n' +
          '  --size small      about 3 minutes (CI); CHAOS_SIZE=small does the same. Default: full, about 8 minutes.\n' +
          '  --passed-failed   end with the line "N passed, N failed" (one per check).\n' +
          '  --keep            keep the run directory .data/chaos/<run> (database, Temporal state, logs).\n' +
          '  --seed N          the random choices (kill times, victims); CHAOS_SEED does the same.',
      );
      process.exit(0);
    } else throw new Error(`Unknown argument "${arg}"; see --help`);
  }
  if (size === 'default' || size === '') size = 'full';
  if (size !== 'full' && size !== 'small') throw new Error(`--size must be small or full, got "${size}"`);
  if (!Number.isFinite(seed)) throw new Error('--seed must be a number');
  return size === 'small'
    ? { size, repeats: 1, concurrency: 8, burst: 6, postgresOutageS: 20, killEveryS: [4, 8], bothDownMaxS: 6, lifecycleBudgetS: 150, settleS: 120, passedFailedLine, keep, seed }
    : { size, repeats: 3, concurrency: 10, burst: 10, postgresOutageS: 60, killEveryS: [3, 7], bothDownMaxS: 6, lifecycleBudgetS: 240, settleS: 180, passedFailedLine, keep, seed };
}

/** A small seeded generator (mulberry32): the same seed gives the same kill schedule. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
