/** Routes the Temporal SDK's own logs into pino; installed once per process, before any worker. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/** `handleSignals: false` when the caller orders its own shutdown (the launcher stops the API first). */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN', handleSignals = true): void {
  if (installed) return;
  installed = true;
  const child = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    ...(handleSignals ? {} : { shutdownSignals: [] }),
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method = l === 'ERROR' ? 'error' : l === 'WARN' ? 'warn' : l === 'INFO' ? 'info' : 'debug';
      child[method](meta ?? {}, message);
    }),
  });
}
