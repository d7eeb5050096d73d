/**
 * Exactly once where it matters: a breach gives one alert per leader and one accountability record
 * even when the escalation activity is retried (the gateway fails once) and the worker restarts;
 * a message or record written again under the same cause is not written twice.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActivities, LoggingSmsGateway, type SmsGateway } from '../../activities';
import { activityDeps } from '../../worker/activity-deps';
import { deliverSms } from '../../activities/sms';
import { loadPolicy } from '../../config/policy';
import { recordBreachFor } from '../support/fixtures';
import { http, startService, type RunningService } from '../support/service';

/** A gateway that fails the first attempt of every message, as a flaky provider would. */
class FailsOnceGateway implements SmsGateway {
  readonly attempts = new Map<string, number>();
  private readonly inner = new LoggingSmsGateway(pino({ level: 'silent' }));
  async send(message: { idempotencyKey: string; to: string; text: string }) {
    const n = (this.attempts.get(message.idempotencyKey) ?? 0) + 1;
    this.attempts.set(message.idempotencyKey, n);
    if (n === 1) throw new Error('gateway timeout');
    return this.inner.send(message);
  }
}

const gateway = new FailsOnceGateway();
let service: RunningService;
let api: ReturnType<typeof http>;

beforeAll(async () => {
  // A 3-second dispatch limit so the R4 breach happens in real time on the dev server.
  const policy = loadPolicy();
  policy.kinds.fault_repair.clocks.find((c) => c.clock === 'dispatch')!.limit = { minutes: 0.05 };
  service = await startService({ policy, sms: gateway });
  api = http(service.baseUrl, 'agent-1');
  await service.pool.query(`INSERT INTO regions (id, name, branch_id, customer_manager_id) VALUES ('vacant', 'Roster empty', 'city', 'cm-north')
    ON CONFLICT DO NOTHING`);
});
afterAll(async () => {
  await service?.close();
});

describe('a breach escalates exactly once', () => {
  it('writes one record and one alert per leader through a gateway failure and a worker restart', async () => {
    const created = await api.post('/requests', {
      customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road' },
      regionId: 'vacant',
      faultDescription: 'No signal',
      severity: 'general',
    });
    expect(created.status).toBe(201);
    const requestId = created.body.requestId;

    // R4 breached: the alert's first send fails, the activity retries, the alert goes out once.
    const alert = await vi.waitFor(
      async () => {
        const { rows } = await service.pool.query(
          `SELECT recipient_staff_id, status, attempts, last_error FROM sms_outbox WHERE message_key = $1`,
          [`${requestId}/dispatch/0/alert/cc-leader-1`],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0].status).toBe('sent');
        return rows[0];
      },
      { timeout: 40_000, interval: 250 },
    );
    expect(alert).toMatchObject({ recipient_staff_id: 'cc-leader-1', attempts: 2, last_error: null });

    await service.restartWorker();
    const dispatched = await api.post(`/requests/${requestId}/dispatch`, { technicianId: 'tech-north-2' });
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.assignee.staffId).toBe('tech-north-2');
    expect(dispatched.body.stage).toBe('contact');
    expect(dispatched.body.breaches).toMatchObject([{ clock: 'dispatch', rule: 'R4' }]);

    const records = await service.pool.query('SELECT stage, rule, responsible_staff_id FROM accountability_records WHERE request_id = $1', [requestId]);
    expect(records.rows).toEqual([{ stage: 'dispatch', rule: 'R4', responsible_staff_id: 'cm-north' }]);
    // One R4 breach alert to the call-centre shift leader, and one "nobody on duty" alert to the
    // region's customer manager however often dispatch retried (R5).
    const alerts = await service.pool.query(
      `SELECT recipient_staff_id, count(*)::int AS n FROM sms_outbox WHERE request_id = $1 AND purpose = 'alert' GROUP BY 1 ORDER BY 1`,
      [requestId],
    );
    expect(alerts.rows).toEqual([
      { recipient_staff_id: 'cc-leader-1', n: 1 },
      { recipient_staff_id: 'cm-north', n: 1 },
    ]);
    const timeline = await api.get(`/requests/${requestId}/timeline`);
    expect(timeline.body.events.filter((e: { type: string }) => e.type === 'breached')).toHaveLength(1);
    await service.client.workflow.getHandle(requestId).terminate('test done');
  });

  it('a breach recorded twice (a retry after a crash) writes one record, and its alert goes once', async () => {
    const requestId = `SR-20261121-9${String(Date.now()).slice(-5)}`;
    const breachedAt = new Date().toISOString();
    const first = await recordBreachFor(service.pool, { requestId, breachedAt });
    const second = await recordBreachFor(service.pool, { requestId, breachedAt });
    expect(second.recordId).toBe(first.recordId);
    expect(first.recipients.map((r) => r.staffId)).toEqual(['cm-north']);
    const records = await service.pool.query('SELECT responsible_staff_id FROM accountability_records WHERE request_id = $1', [requestId]);
    expect(records.rows).toEqual([{ responsible_staff_id: 'tech-north-1' }]);
    const activities = createActivities(activityDeps(service.pool, pino({ level: 'silent' }), { sms: new LoggingSmsGateway(pino({ level: 'silent' })) }));
    const alert = { key: `${requestId}/contact/0/alert/cm-north`, requestId, purpose: 'alert' as const, to: first.recipients[0], text: '超时' };
    await activities.sendMessage(alert);
    await activities.sendMessage(alert);
    const sms = await service.pool.query('SELECT recipient_staff_id, status FROM sms_outbox WHERE request_id = $1', [requestId]);
    expect(sms.rows).toEqual([{ recipient_staff_id: 'cm-north', status: 'sent' }]);
  });

  it('a bad number fails that one message for good, marked failed, without retrying', async () => {
    const activities = createActivities(activityDeps(service.pool, pino({ level: 'silent' }), { sms: new LoggingSmsGateway(pino({ level: 'silent' })) }));
    const key = `test/${Date.now()}/bad`;
    const bad = { key, requestId: 'SR-20261121-000000', purpose: 'alert' as const, to: { staffId: 'tech-north-1', phone: 'not-a-number' }, text: 'x' };
    await expect(activities.sendMessage(bad)).rejects.toMatchObject({ type: 'BadRecipient', nonRetryable: true });
    const { rows } = await service.pool.query('SELECT status FROM sms_outbox WHERE message_key = $1', [key]);
    expect(rows).toEqual([{ status: 'failed' }]);
  });

  it('a message already sent is not sent again under the same key', async () => {
    let sends = 0;
    const counting: SmsGateway = { send: async (m) => ({ providerMessageId: `p-${++sends}-${m.idempotencyKey}` }) };
    const message = { key: `test/${Date.now()}/job`, requestId: 'SR-20261121-000000', purpose: 'job' as const, recipientStaffId: 'tech-north-1', recipientPhone: '13900000001', body: 'hello' };
    await deliverSms(service.pool, counting, message);
    await deliverSms(service.pool, counting, message);
    expect(sends).toBe(1);
    const { rows } = await service.pool.query('SELECT status FROM sms_outbox WHERE message_key = $1', [message.key]);
    expect(rows).toEqual([{ status: 'sent' }]);
  });
});
