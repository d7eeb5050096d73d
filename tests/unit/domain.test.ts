/**
 * Pure domain rules beside the policy and the clocks: the texts people read (R4 job SMS, warnings,
 * alerts, in Beijing time), callback sampling (R16), request numbers (R30), the kinds and roles
 * (R2, R13) and the accountability settings (R23, R25).
 */
import { describe, expect, it } from 'vitest';
import { AGGRAVATED_FROM_RECORD, MITIGATING_FACTS, OUTCOMES, STATEMENT_WINDOW_HOURS } from '../../domain/accountability';
import { breachText, cancelJobText, closingText, jobSmsText, localTime, pauseOverdueText, warningText } from '../../domain/job-text';
import { EXTENSION_DECIDERS, FAULT_SEVERITIES, REQUEST_KINDS, STAFF_ROLES } from '../../domain/kinds';
import { businessDay, formatRequestNumber, REQUEST_NUMBER_PATTERN } from '../../domain/request-number';
import { isSampledForCallback } from '../../domain/sampling';

const CUSTOMER = { name: '李伟', phone: '13800000001', address: '人民路 12 号 301 室' };

describe('localTime: the operator’s time, UTC+8 by default', () => {
  it('moves across midnight into the next local day', () => {
    expect(localTime('2026-11-21T16:30:00Z')).toBe('2026-11-22 00:30');
    expect(localTime('2026-11-21T15:59:00.000Z')).toBe('2026-11-21 23:59');
    expect(localTime('2026-12-31T16:00:00.000Z')).toBe('2027-01-01 00:00');
  });

  it('takes another offset in minutes', () => {
    expect(localTime('2026-11-21T16:30:00Z', 0)).toBe('2026-11-21 16:30');
    expect(localTime('2026-11-21T16:30:00Z', -300)).toBe('2026-11-21 11:30');
    expect(localTime('2026-11-21T16:30:00Z', 345)).toBe('2026-11-21 22:15');
  });
});

describe('job SMS (R4)', () => {
  const job = { requestId: 'SR-20261121-000123', label: '故障报修', description: '所有频道无信号', customer: CUSTOMER };

  it('carries the request number, the fault, the address and the customer’s phone', () => {
    expect(jobSmsText({ ...job, severity: 'general' })).toBe(
      '[SR-20261121-000123] 故障报修：所有频道无信号。客户 李伟，地址 人民路 12 号 301 室，电话 13800000001。请在规定时限内联系客户（R6）。',
    );
  });

  it('marks a major fault', () => {
    const text = jobSmsText({ ...job, severity: 'major' });
    expect(text.startsWith('[SR-20261121-000123] 【重大故障】故障报修：')).toBe(true);
    for (const part of ['所有频道无信号', '人民路 12 号 301 室', '13800000001']) expect(text).toContain(part);
    expect(jobSmsText({ ...job, label: '安装开通（城市）' })).not.toContain('重大故障');
  });
});

describe('warnings, alerts and notices', () => {
  it('say the deadline in Beijing time', () => {
    expect(warningText({ requestId: 'SR-20261121-000123', rule: 'R6', description: '装维人员联系客户', deadline: '2026-11-21T16:20:00.000Z', offset: 480 })).toBe(
      '[SR-20261121-000123] 提醒：装维人员联系客户（R6）将于 2026-11-22 00:20 到期，请抓紧处理。',
    );
  });

  it('name the level, the responsible person and the accountability record of a breach', () => {
    const breach = { requestId: 'SR-20261121-000123', rule: 'R8', description: '故障修复', deadline: '2026-11-22T02:00:00.000Z', offset: 480 };
    expect(breachText({ ...breach, level: 1, responsible: '王工', recordId: 17 })).toBe(
      '[SR-20261121-000123] 超时：故障修复（R8）时限 2026-11-22 10:00 已过。责任人：王工，已登记责任追究记录 #17。',
    );
    expect(breachText({ ...breach, level: 2 })).toBe('[SR-20261121-000123] 超时（第 2 级督办）：故障修复（R8）时限 2026-11-22 10:00 已过。责任人：未指定。');
  });

  it('tell a technician a job is no longer theirs, the owner the result (R1), and the leaders of a long pause', () => {
    expect(cancelJobText('SR-20261121-000123', '客户撤销')).toBe('[SR-20261121-000123] 此工单已不由您处理（客户撤销），请勿上门。');
    expect(closingText('SR-20261121-000123', '各项时限均已达成')).toBe('[SR-20261121-000123] 已办结：各项时限均已达成。请将处理结果告知客户（R1）。');
    expect(pauseOverdueText('SR-20261121-000123', '2026-11-21T04:00:00.000Z', 72, 480)).toBe(
      '[SR-20261121-000123] 不可抗力暂停自 2026-11-21 12:00 起已超过 72 小时，请决定是否恢复计时。',
    );
  });
});

describe('callback sampling (R16)', () => {
  it('calls back every request at share 1 and none at share 0', () => {
    expect(isSampledForCallback('SR-20261121-000001', 1)).toBe(true);
    expect(isSampledForCallback('SR-20261121-000001', 0)).toBe(false);
  });

  it('decides by the request number (FNV-1a with a final mix, worked out separately: SR-20261121-000001 is at 0.5993…)', () => {
    expect(isSampledForCallback('SR-20261121-000001', 0.6)).toBe(true);
    expect(isSampledForCallback('SR-20261121-000001', 0.59)).toBe(false);
  });

  it('gives the same answer for the same request and holds the share over many', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => formatRequestNumber('20261121', i + 1));
    const sampled = ids.filter((id) => isSampledForCallback(id, 0.2)).length;
    expect(sampled / ids.length).toBeGreaterThan(0.17);
    expect(sampled / ids.length).toBeLessThan(0.23);
    expect(ids.map((id) => isSampledForCallback(id, 0.2))).toEqual(ids.map((id) => isSampledForCallback(id, 0.2)));
  });

  // FNV-1a alone barely moves on the last digits, so consecutive numbers fell together before the
  // final mixing step: none of a day's first 100 requests was sampled at 20 %.
  it('holds the share over a day’s first hundred requests', () => {
    const ids = Array.from({ length: 100 }, (_, i) => formatRequestNumber('20261121', i + 1));
    const sampled = ids.filter((id) => isSampledForCallback(id, 0.2)).length;
    expect(sampled).toBeGreaterThanOrEqual(10);
    expect(sampled).toBeLessThanOrEqual(30);
  });
});

describe('request numbers (R30)', () => {
  it('use the China Standard Time business day', () => {
    expect(businessDay(new Date('2026-11-21T15:59:59Z'))).toBe('20261121');
    expect(businessDay(new Date('2026-11-21T16:00:00Z'))).toBe('20261122');
  });

  it('are SR-day-sequence and match the API pattern', () => {
    const id = formatRequestNumber('20261121', 123);
    expect(id).toBe('SR-20261121-000123');
    expect(formatRequestNumber('20261121', 1234567)).toBe('SR-20261121-1234567');
    expect(new RegExp(REQUEST_NUMBER_PATTERN).test(id)).toBe(true);
    expect(new RegExp(REQUEST_NUMBER_PATTERN).test('SR-20261121-1234567')).toBe(true);
    expect(new RegExp(REQUEST_NUMBER_PATTERN).test('SR-2026-1')).toBe(false);
  });
});

describe('kinds and roles', () => {
  it('are the documents’ kinds (R2) and severities (R8)', () => {
    expect(REQUEST_KINDS).toEqual(['fault_repair', 'installation_city', 'installation_rural', 'reconnection', 'complaint', 'consultation']);
    expect(FAULT_SEVERITIES).toEqual(['general', 'major']);
  });

  it('let only leaders decide an extension, never an agent or the technician (R13)', () => {
    expect(EXTENSION_DECIDERS).toEqual(['customer_manager', 'branch_leader', 'company_leader']);
    for (const role of EXTENSION_DECIDERS) expect(STAFF_ROLES).toContain(role);
  });
});

describe('accountability (R22–R25)', () => {
  it('aggravates from the third record in twelve months ("more than twice", R23)', () => {
    expect(AGGRAVATED_FROM_RECORD).toBe(3);
    expect(STATEMENT_WINDOW_HOURS).toBe(72);
  });

  it('has the outcomes by gravity and the mitigating facts', () => {
    expect(OUTCOMES).toEqual(['warning', 'best_in_class_revoked', 'criticism_notice', 'exempt']);
    expect(MITIGATING_FACTS).toEqual(['apology_accepted', 'harm_prevented', 'loss_recovered']);
  });
});
