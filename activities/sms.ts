/**
 * Sending SMS through a gateway with an outbox in front: the outbox row (unique message key) is
 * written first, the gateway is called only while the row is pending, and the row is marked sent
 * after. A retry after a crash re-sends only what was never confirmed, with the same key, which a
 * real gateway uses to drop duplicates. A refusal that no retry can fix (bad number) marks the row
 * failed and fails without retry, so one bad recipient never holds up the others.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { enqueueSms, markSmsFailed, markSmsGivenUp, markSmsSent, type OutgoingSms } from '../db/outbox';
import type { ActivityDeps } from './deps';
import { BAD_RECIPIENT, GATEWAY_REFUSED, type OutgoingMessage } from './types';

export interface SmsGateway {
  /** Sends one message; `idempotencyKey` is stable across retries of the same message. */
  send(message: { idempotencyKey: string; to: string; text: string }): Promise<{ providerMessageId: string }>;
}

/** A gateway's answer that retrying cannot change: the number or the content is refused. */
export class PermanentSmsFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'bad_recipient' | 'refused' = 'refused',
  ) {
    super(message);
    this.name = 'PermanentSmsFailure';
  }
}

export const isPermanentSmsFailure = (err: unknown): err is PermanentSmsFailure => err instanceof PermanentSmsFailure;

/** Mainland mobile numbers: 11 digits starting with 1, optionally +86. */
export const MOBILE_NUMBER = /^(\+?86)?1\d{10}$/;

/** The default gateway: the outbox is the record, and the message is logged. No external service. */
export class LoggingSmsGateway implements SmsGateway {
  constructor(private readonly logger: Logger) {}

  async send(message: { idempotencyKey: string; to: string; text: string }) {
    if (!MOBILE_NUMBER.test(message.to.replace(/[\s-]/g, ''))) throw new PermanentSmsFailure(`"${message.to}" is not a mobile number`, 'bad_recipient');
    this.logger.info({ sms: message }, 'SMS (outbox only; no external gateway configured)');
    return { providerMessageId: `outbox:${message.idempotencyKey}` };
  }
}

/** Sends unless sent already; true when this call sent it. */
export async function deliverSms(pool: Pool, gateway: SmsGateway, sms: OutgoingSms): Promise<boolean> {
  const row = await enqueueSms(pool, sms);
  if (row.status === 'sent') return false;
  if (row.status === 'failed') throw new PermanentSmsFailure(row.lastError ?? 'refused before');
  try {
    const { providerMessageId } = await gateway.send({ idempotencyKey: sms.key, to: sms.recipientPhone, text: sms.body });
    await markSmsSent(pool, row.id, providerMessageId);
    return true;
  } catch (err) {
    if (isPermanentSmsFailure(err)) await markSmsGivenUp(pool, row.id, err.message);
    else await markSmsFailed(pool, row.id, (err as Error).message);
    throw err;
  }
}

export function messageActivities(deps: ActivityDeps) {
  return {
    async sendMessage(message: OutgoingMessage): Promise<void> {
      try {
        const sent = await deliverSms(deps.pool, deps.sms, {
          key: message.key,
          requestId: message.requestId,
          purpose: message.purpose,
          recipientStaffId: message.to.staffId,
          recipientPhone: message.to.phone,
          body: message.text,
        });
        if (sent && message.escalation) recordLateness(message.escalation, deps.now());
      } catch (err) {
        if (isPermanentSmsFailure(err)) {
          throw ApplicationFailure.nonRetryable(`SMS to ${message.to.staffId} refused: ${err.message}`, err.kind === 'bad_recipient' ? BAD_RECIPIENT : GATEWAY_REFUSED);
        }
        throw err;
      }
    },
  };
}

/**
 * The escalation lateness histogram (alert sent − deadline), in the worker's Prometheus metrics
 * through the Temporal runtime's telemetry: how late the promise of "within a second" is kept.
 */
function recordLateness(e: { deadline: string; rule: string; level: number }, sentAt: Date): void {
  const histogram = Context.current().metricMeter.createHistogram('service_clock_escalation_lateness_seconds', 'float', 's', 'Alert sent minus the deadline it escalates');
  histogram.record(Math.max(0, (sentAt.getTime() - Date.parse(e.deadline)) / 1000), { rule: e.rule, level: String(e.level) });
}
