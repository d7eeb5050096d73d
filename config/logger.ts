import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'service-clock'): Logger {
  return pino({ name, level });
}
export type { Logger };
