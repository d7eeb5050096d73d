/**
 * Sending SMS through a gateway with an outbox in front: the outbox row (unique message key) is
 * written first, the gateway is called only while the row is pending, and the row is marked sent
 * after. A retry after a crash re-sends only what was never confirmed, with the same key, which a
 * real gateway uses to drop duplicates.
 */
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { enqueueSms, markSmsFailed, markSmsSent, type OutgoingSms } from '../db/outbox';

export interface SmsGateway {
  /** Sends one message; `idempotencyKey` is stable across retries of the same message. */
  send(message: { idempotencyKey: string; to: string; text: string }): Promise<{ providerMessageId: string }>;
}

/** The default gateway: the outbox is the record, and the message is logged. No external service. */
export class LoggingSmsGateway implements SmsGateway {
  constructor(private readonly logger: Logger) {}

  async send(message: { idempotencyKey: string; to: string; text: string }) {
    this.logger.info({ sms: message }, 'SMS (outbox only; no external gateway configured)');
    return { providerMessageId: `outbox:${message.idempotencyKey}` };
  }
}

export async function deliverSms(pool: Pool, gateway: SmsGateway, sms: OutgoingSms): Promise<void> {
  const row = await enqueueSms(pool, sms);
  if (row.status === 'sent') return;
  try {
    const { providerMessageId } = await gateway.send({ idempotencyKey: sms.key, to: sms.recipientPhone, text: sms.body });
    await markSmsSent(pool, row.id, providerMessageId);
  } catch (err) {
    await markSmsFailed(pool, row.id, (err as Error).message);
    throw err;
  }
}
