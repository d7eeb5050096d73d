/**
 * The Temporal SDK runtime, installed once per process before any worker: routes the SDK's own
 * logs into pino and, when asked, serves the SDK's worker metrics (task slots, poll and schedule
 * latencies, sticky cache hits, activity and workflow task counts …, all named `temporal_…`) in
 * Prometheus format at http://<bindAddress>/metrics.
 */
import net from 'node:net';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

export interface RuntimeInstallOptions {
  /** host:port for the Prometheus /metrics endpoint; undefined serves none. */
  metricsBindAddress?: string;
}

/** Whether host:port can be listened on right now (the metrics exporter would fail later, less clearly). */
export function canListen(hostPort: string): Promise<boolean> {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(at + 1));
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `handleSignals: false` when the caller orders its own shutdown. */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN', handleSignals = true, options: RuntimeInstallOptions = {}): void {
  if (installed) return;
  installed = true;
  const child = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    ...(handleSignals ? {} : { shutdownSignals: [] }),
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method = l === 'ERROR' ? 'error' : l === 'WARN' ? 'warn' : l === 'INFO' ? 'info' : 'debug';
      child[method](meta ?? {}, message);
    }),
    ...(options.metricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } }
      : {}),
  });
}
