/** The policy file: the shipped defaults (R9, R10, R16) and start-up validation that names the bad entry. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCalendar, loadPolicy } from '../../config/policy';
import { SERVICE_KINDS, servicePolicyProblems, type ServicePolicy } from '../../domain/service-policy';

const shipped = loadPolicy();
const limits = (kind: keyof ServicePolicy['kinds']) => shipped.kinds[kind].stages.map((s) => [s.stage, s.limit, s.clockStarts]);

describe('the shipped policy file', () => {
  it('holds every kind with the source documents’ limits', () => {
    expect(Object.keys(shipped.kinds).sort()).toEqual([...SERVICE_KINDS].sort());
    expect(limits('installation_city')).toEqual([
      ['completion', { workingDays: 5 }, 'paperwork_complete'],
      ['callback', { hours: 72 }, 'stage_start'],
    ]);
    expect(limits('installation_rural')[0]).toEqual(['completion', { workingDays: 10 }, 'paperwork_complete']);
    expect(limits('reconnection')).toEqual([['completion', { workingDays: 5 }, 'paperwork_complete']]);
    expect(limits('complaint')).toEqual([
      ['first_response', { hours: 4 }, 'intake'],
      ['handling', { workingDays: 3 }, 'intake'],
      ['callback', { hours: 72 }, 'stage_start'],
    ]);
    expect(limits('consultation')).toEqual([['response', { hours: 4 }, 'intake']]);
    expect(shipped.kinds.consultation.mayCloseOnFirstContact).toBe(true);
    for (const kind of SERVICE_KINDS) {
      for (const stage of shipped.kinds[kind].stages) {
        expect(stage.warningAt).toBe(0.8);
        expect(stage.ladder[0].afterHours).toBe(0);
      }
    }
    expect(shipped.clock).toMatchObject({ utcOffsetMinutes: 480, workingDayCutoff: '24:00' });
  });

  it('ships a valid calendar', () => {
    expect(Object.keys(loadCalendar().years)).toEqual(['2025', '2026']);
  });
});

describe('validation', () => {
  const broken = (mutate: (p: ServicePolicy) => void): string[] => {
    const copy = structuredClone(shipped);
    mutate(copy);
    return servicePolicyProblems(copy);
  };

  it('names each bad entry', () => {
    expect(broken((p) => (p.kinds.reconnection.stages[0].limit = { workingDays: 0 }))).toEqual([
      'kinds.reconnection.stages[0] (completion).limit.workingDays: must be a whole number ≥ 1, got 0',
    ]);
    expect(broken((p) => (p.kinds.complaint.stages[1].limit = { hours: 4, workingDays: 3 } as never))).toEqual([
      'kinds.complaint.stages[1] (handling).limit: must be either { "hours": n } or { "workingDays": n }',
    ]);
    expect(broken((p) => (p.kinds.complaint.stages[0].responsible = 'janitor' as never))).toEqual([
      'kinds.complaint.stages[0] (first_response).responsible: unknown role "janitor"',
    ]);
    expect(broken((p) => (p.kinds.installation_city.stages[0].ladder[1].afterHours = 0))).toEqual([
      'kinds.installation_city.stages[0] (completion).ladder[1].afterHours: levels must come later one after another',
    ]);
    expect(broken((p) => delete (p.kinds as Partial<ServicePolicy['kinds']>).consultation)).toEqual(['kinds.consultation: is missing']);
    expect(broken((p) => ((p.kinds as Record<string, unknown>).teleportation = p.kinds.consultation))).toEqual([
      'kinds.teleportation: unknown kind; known: installation_city, installation_rural, reconnection, complaint, consultation',
    ]);
    expect(broken((p) => (p.clock.workingDayCutoff = '5pm'))).toEqual(['clock.workingDayCutoff: must be HH:MM, got "5pm"']);
  });

  it('stops loading with a message naming the file and the entry', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    const bad = structuredClone(shipped);
    bad.kinds.installation_rural.stages[0].warningAt = 1.5;
    writeFileSync(file, JSON.stringify(bad));
    expect(() => loadPolicy(file)).toThrow(
      `The policy file ${file} is invalid:\n  - kinds.installation_rural.stages[0] (completion).warningAt: must be a share from 0 (no warning) to below 1`,
    );
    writeFileSync(file, '{ not json');
    expect(() => loadPolicy(file)).toThrow(/Cannot read the policy file/);
  });
});
