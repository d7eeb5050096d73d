/** Pure domain rules: policy validation, callback sampling (R16), request numbers, the job SMS (R4). */
import { describe, expect, it } from 'vitest';
import { STAGE_RULES } from '../../domain/escalation';
import { jobSmsText } from '../../domain/job-text';
import { REPAIR_STAGES } from '../../domain/kinds';
import { DEFAULT_REPAIR_POLICY, policyProblems } from '../../domain/policy';
import { businessDay, formatRequestNumber, REQUEST_NUMBER_PATTERN } from '../../domain/request-number';
import { isSampledForCallback } from '../../domain/sampling';
import { repairInput } from '../support/fixtures';

describe('repair policy', () => {
  it('ships the source documents’ numbers as defaults (R4, R6, R8, R16)', () => {
    expect(DEFAULT_REPAIR_POLICY).toMatchObject({
      dispatchLimitMinutes: 3,
      contactLimitMinutes: 20,
      resolutionLimitHours: { general: 24, major: 72 },
      callbackLimitHours: 72,
      callbackShare: 1,
    });
    expect(policyProblems(DEFAULT_REPAIR_POLICY)).toEqual([]);
  });

  it('names each bad entry', () => {
    const problems = policyProblems({
      ...DEFAULT_REPAIR_POLICY,
      dispatchLimitMinutes: 0,
      resolutionLimitHours: { general: 24, major: -1 },
      callbackShare: 1.5,
    });
    expect(problems).toEqual([
      'dispatchLimitMinutes must be a positive number of minutes, got 0',
      'resolutionLimitHours.major must be a positive number of hours, got -1',
      'callbackShare must be between 0 and 1, got 1.5',
    ]);
  });
});

describe('callback sampling (R16)', () => {
  it('calls back every request at share 1 and none at share 0', () => {
    expect(isSampledForCallback('SR-20261121-000001', 1)).toBe(true);
    expect(isSampledForCallback('SR-20261121-000001', 0)).toBe(false);
  });

  it('gives the same answer for the same request and holds the share over many', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => formatRequestNumber('20261121', i + 1));
    const sampled = ids.filter((id) => isSampledForCallback(id, 0.2)).length;
    expect(sampled / ids.length).toBeGreaterThan(0.17);
    expect(sampled / ids.length).toBeLessThan(0.23);
    expect(ids.map((id) => isSampledForCallback(id, 0.2))).toEqual(ids.map((id) => isSampledForCallback(id, 0.2)));
  });
});

describe('request numbers', () => {
  it('use the China Standard Time business day', () => {
    expect(businessDay(new Date('2026-11-21T15:59:59Z'))).toBe('20261121');
    expect(businessDay(new Date('2026-11-21T16:00:00Z'))).toBe('20261122');
  });

  it('are SR-day-sequence and match the API pattern', () => {
    const id = formatRequestNumber('20261121', 123);
    expect(id).toBe('SR-20261121-000123');
    expect(new RegExp(REQUEST_NUMBER_PATTERN).test(id)).toBe(true);
    expect(new RegExp(REQUEST_NUMBER_PATTERN).test('SR-2026-1')).toBe(false);
  });
});

describe('job SMS (R4)', () => {
  it('carries the fault, the address, the customer phone and the contact limit', () => {
    const input = repairInput({ severity: 'major' });
    const text = jobSmsText(input);
    expect(text).toContain(input.requestId);
    expect(text).toContain('MAJOR');
    expect(text).toContain(input.faultDescription);
    expect(text).toContain(input.customer.address);
    expect(text).toContain(input.customer.phone);
    expect(text).toContain('20 minutes');
  });
});

describe('escalation rules', () => {
  it('alert the leaders the rules name for every stage', () => {
    expect(Object.keys(STAGE_RULES).sort()).toEqual([...REPAIR_STAGES].sort());
    expect(STAGE_RULES.dispatch).toMatchObject({ rule: 'R4', alert: ['call_centre_leader'] });
    expect(STAGE_RULES.contact).toMatchObject({ rule: 'R6', alert: ['customer_manager'], responsible: 'technician' });
    expect(STAGE_RULES.arrival).toMatchObject({ rule: 'R6', alert: ['customer_manager'], responsible: 'technician' });
    expect(STAGE_RULES.resolution).toMatchObject({ rule: 'R8', alert: ['customer_manager', 'branch_leader'] });
    expect(STAGE_RULES.callback).toMatchObject({ rule: 'R16', alert: ['call_centre_leader'] });
  });
});
