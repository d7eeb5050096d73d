/**
 * The one configuration schema (config/index.ts): defaults, strict conversion, errors that name
 * the variable and say what it must be, the Temporal TLS / API key settings, and what is derived
 * from settings (worker tuning from EXPECTED_OPEN_REQUESTS, per-installation demo API keys).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, ENVIRONMENT_VARIABLES, loadConfig, parseSettings, SETTINGS, temporalConnectionOptions } from '../../config';
import { DEMO_STAFF, demoApiKeys } from '../../db/demo-data';
import { memoryCacheCeiling, workerHeapMb, workerTuning } from '../../worker/tuning';

const DB = 'postgres://u:p@localhost:5432/service_clock';
const dir = mkdtempSync(path.join(os.tmpdir(), 'service-clock-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text = `-----BEGIN ${name}-----\n`) => {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
};

/** The ConfigError's problems for an environment (fails the test when it loads). */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    parseSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('configuration schema', () => {
  it('has a default for everything but the servers, and npm start listens on 127.0.0.1', () => {
    const config = loadConfig({ DATABASE_URL: DB });
    expect(config).toMatchObject({
      temporalAddress: 'localhost:7233',
      temporalAddressSet: false,
      temporalNamespace: 'default',
      taskQueue: 'service-clock',
      databaseUrl: DB,
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      expectedOpenRequests: 1000,
      workerMetricsAddress: undefined,
      workflowBundle: undefined,
      embeddedTemporalPort: 7233,
      embeddedTemporalUiPort: 8233,
      embeddedPostgresPort: 54329,
    });
    expect(config.temporalTls).toBeUndefined();
    expect(DEFAULTS).toMatchObject({ host: '127.0.0.1', port: 3000, taskQueue: 'service-clock', temporalNamespace: 'default' });
  });

  it('converts environment strings to numbers and booleans, and treats an empty value as unset', () => {
    const config = parseSettings({ PORT: '8080', EXPECTED_OPEN_REQUESTS: '250', TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: 'true', HOST: '' });
    expect(config.port).toBe(8080);
    expect(config.expectedOpenRequests).toBe(250);
    expect(config.temporalTls).toBe(true);
    expect(config.host).toBe('127.0.0.1');
    expect(config.temporalAddressSet).toBe(true);
  });

  it.each([
    ['PORT', 'abc', /^PORT must be a TCP port number \(1–65535\) for the API, got "abc"$/],
    ['PORT', '70000', /^PORT must be a TCP port number/],
    ['PORT', '1.5', /^PORT must be a TCP port number/],
    ['PORT', '0', /^PORT must be a TCP port number/],
    ['EMBEDDED_POSTGRES_PORT', '-1', /^EMBEDDED_POSTGRES_PORT must be a TCP port number \(1–65535\) for the embedded PostgreSQL/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/],
    ['TEMPORAL_ADDRESS', 'temporal', /^TEMPORAL_ADDRESS must be the Temporal frontend as host:port/],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233', /^TEMPORAL_ADDRESS must be the Temporal frontend as host:port/],
    ['DATABASE_URL', 'mysql://x@y/z', /^DATABASE_URL must be a PostgreSQL URL/],
    ['EXPECTED_OPEN_REQUESTS', '0', /^EXPECTED_OPEN_REQUESTS must be a whole number ≥ 1/],
    ['EXPECTED_OPEN_REQUESTS', 'many', /^EXPECTED_OPEN_REQUESTS must be a whole number ≥ 1/],
    ['WORKER_METRICS_ADDRESS', '9464', /^WORKER_METRICS_ADDRESS must be host:port for the worker's Prometheus \/metrics/],
    ['WORKER_METRICS_ADDRESS', '127.0.0.1:9464x', /^WORKER_METRICS_ADDRESS must be/],
    ['TEMPORAL_TLS', 'yes', /^TEMPORAL_TLS must be true or false/],
  ])('refuses %s=%s, naming the variable and what it must be', (name, value, message) => {
    const found = problems({ TEMPORAL_ADDRESS: 'temporal:7233', [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('reports every bad variable at once, in one line', () => {
    let error: Error | undefined;
    try {
      parseSettings({ PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/^Invalid configuration: PORT must .*; LOG_LEVEL must /);
    expect(error?.message).not.toContain('\n');
  });

  it('requires DATABASE_URL for the worker and the API (npm start embeds one)', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is not set/);
    expect(parseSettings({}).databaseUrl).toBeUndefined();
  });

  it.each(['localhost:7233', 'temporal:7233', '10.0.0.5:7233', 'ns.a1b2c.tmprl.cloud:7233', '[::1]:7233'])('accepts TEMPORAL_ADDRESS=%s', (address) => {
    expect(parseSettings({ TEMPORAL_ADDRESS: address }).temporalAddress).toBe(address);
  });

  it('WORKER_METRICS_ADDRESS: host:port serves metrics there, "off" or unset serves none', () => {
    expect(parseSettings({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).workerMetricsAddress).toBe('0.0.0.0:9464');
    expect(parseSettings({ WORKER_METRICS_ADDRESS: 'off' }).workerMetricsAddress).toBeUndefined();
    expect(parseSettings({}).workerMetricsAddress).toBeUndefined();
    expect(DEFAULTS.workerMetricsAddress).toBe('127.0.0.1:9464');
  });

  it('lists every variable of the schema in ENVIRONMENT_VARIABLES, with the ones compose and the README use', () => {
    expect(ENVIRONMENT_VARIABLES).toEqual(Object.keys(SETTINGS.properties));
    for (const name of [
      'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS',
      'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME',
      'DATABASE_URL', 'HOST', 'PORT', 'LOG_LEVEL', 'POLICY_FILE', 'CALENDAR_FILE',
      'EXPECTED_OPEN_REQUESTS', 'WORKER_METRICS_ADDRESS', 'WORKFLOW_BUNDLE',
    ]) {
      expect(ENVIRONMENT_VARIABLES).toContain(name);
    }
    // Every variable says what a valid value is: that text is the error message.
    for (const [name, schema] of Object.entries(SETTINGS.properties)) expect(schema.description, name).toBeTruthy();
  });
});

describe('Temporal TLS and API key', () => {
  const address = { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' };

  it('reads the client certificate pair, the server CA and the server name into the connection options', () => {
    const settings = parseSettings({
      ...address,
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('CERTIFICATE'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('PRIVATE KEY'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('CA'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = temporalConnectionOptions(settings);
    expect(options.address).toBe('ns.acct.tmprl.cloud:7233');
    expect(options.apiKey).toBeUndefined();
    expect(options.tls).toEqual({
      clientCertPair: { crt: Buffer.from('-----BEGIN CERTIFICATE-----\n'), key: Buffer.from('-----BEGIN PRIVATE KEY-----\n') },
      serverRootCACertificate: Buffer.from('-----BEGIN CA-----\n'),
      serverNameOverride: 'temporal.internal',
    });
  });

  it('an API key alone: the SDK turns TLS on (tls left unset); TEMPORAL_TLS=false turns it off explicitly', () => {
    expect(temporalConnectionOptions(parseSettings({ ...address, TEMPORAL_API_KEY: 'secret' }))).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'secret',
    });
    expect(temporalConnectionOptions(parseSettings({ ...address, TEMPORAL_API_KEY: 'secret', TEMPORAL_TLS: 'false' }))).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'secret',
      tls: false,
    });
  });

  it('no TLS settings: a plain connection', () => {
    expect(temporalConnectionOptions(parseSettings(address))).toEqual({ address: 'ns.acct.tmprl.cloud:7233' });
  });

  it('refuses a certificate without its key, naming both', () => {
    expect(problems({ ...address, TEMPORAL_TLS_CLIENT_CERT_PATH: file('CERTIFICATE') })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both for mutual TLS, or neither',
    ]);
  });

  it('refuses an unreadable file, naming the variable and the path', () => {
    const [problem] = problems({ ...address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') });
    expect(problem).toMatch(/^TEMPORAL_TLS_SERVER_CA_CERT_PATH must name a readable file, got ".*missing\.pem" \(ENOENT\)$/);
  });

  it('refuses TEMPORAL_TLS=false with certificates, and TLS or an API key without TEMPORAL_ADDRESS', () => {
    expect(problems({ ...address, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('CA') })[0]).toMatch(/^TEMPORAL_TLS=false contradicts/);
    expect(problems({ TEMPORAL_API_KEY: 'secret' })[0]).toMatch(/need TEMPORAL_ADDRESS/);
    expect(problems({ TEMPORAL_TLS: 'true' })[0]).toMatch(/need TEMPORAL_ADDRESS/);
  });
});

describe('EXPECTED_OPEN_REQUESTS sizes the worker', () => {
  const GB = 1024 ** 3;

  it('at the default 1000: every open request cached, 40 workflow and activity slots, up to 40 pollers', () => {
    expect(workerTuning(1000, 4 * GB)).toEqual({
      maxCachedWorkflows: 1000,
      cacheCapped: false,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxPollers: 40,
      maxConcurrentActivityTaskExecutions: 40,
      maxConcurrentLocalActivityExecutions: 40,
    });
  });

  it('small installations keep the minimums the SDK accepts (slots ≥ 2, cache ≥ slots)', () => {
    const tuning = workerTuning(1, 4 * GB);
    expect(tuning.maxConcurrentWorkflowTaskExecutions).toBe(4);
    expect(tuning.maxPollers).toBe(4);
    expect(tuning.maxCachedWorkflows).toBeGreaterThanOrEqual(tuning.maxConcurrentWorkflowTaskExecutions);
  });

  it('large ones: slots capped at 100, the cache capped by the heap (1 MB a request above 512 MB), and the cap reported', () => {
    const tuning = workerTuning(100_000, 2 * GB);
    expect(tuning.maxConcurrentWorkflowTaskExecutions).toBe(100);
    expect(tuning.maxConcurrentActivityTaskExecutions).toBe(100);
    expect(tuning.maxCachedWorkflows).toBe(memoryCacheCeiling(2 * GB));
    expect(tuning.maxCachedWorkflows).toBe(2048 - 512);
    expect(tuning.cacheCapped).toBe(true);
  });
});

describe('npm start gives the worker a heap for EXPECTED_OPEN_REQUESTS (issue 9)', () => {
  const MB = 1024 ** 2;
  const GB = 1024 * MB;

  it("leaves Node's default heap when it already holds every expected request", () => {
    expect(workerHeapMb(1000, 24 * GB, 4 * GB)).toBeUndefined();
  });

  it('sizes the heap so that 12,000 open requests stay cached, and the worker then caches all of them', () => {
    const heap = workerHeapMb(12_000, 24 * GB, 4 * GB);
    expect(heap).toBe(512 + 12_000);
    const tuning = workerTuning(12_000, heap! * MB);
    expect(tuning.maxCachedWorkflows).toBe(12_000);
    expect(tuning.cacheCapped).toBe(false);
  });

  it("never asks for more than three quarters of the machine's memory; the cache is capped instead", () => {
    const heap = workerHeapMb(100_000, 24 * GB, 4 * GB);
    expect(heap).toBe(18 * 1024);
    expect(workerTuning(100_000, heap! * MB).cacheCapped).toBe(true);
  });
});

describe('demo API keys', () => {
  it('are random, made once per installation, kept readable by the owner only', () => {
    const keysFile = path.join(dir, 'keys', 'demo-api-keys.json');
    const first = demoApiKeys(keysFile);
    expect(Object.keys(first).sort()).toEqual(DEMO_STAFF.map((s) => s.id).sort());
    for (const key of Object.values(first)) {
      expect(key).toMatch(/^demo_[A-Za-z0-9_-]{32}$/);
      expect(key).not.toMatch(/^demo-/); // never the old guessable demo-<staff id>
    }
    expect(new Set(Object.values(first)).size).toBe(DEMO_STAFF.length);
    expect(demoApiKeys(keysFile)).toEqual(first); // stable across calls and processes: read back from the file
    expect(JSON.parse(readFileSync(keysFile, 'utf8'))).toEqual(first);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    expect(demoApiKeys(path.join(dir, 'other', 'demo-api-keys.json'))).not.toEqual(first); // another installation
  });

  it('a staff member missing from the file (demo data grew) gets a key; the others keep theirs', () => {
    const keysFile = path.join(dir, 'grow', 'demo-api-keys.json');
    const first = demoApiKeys(keysFile);
    const { 'agent-2': dropped, ...rest } = first;
    writeFileSync(keysFile, JSON.stringify(rest));
    const again = demoApiKeys(keysFile);
    expect(again['agent-2']).toMatch(/^demo_/);
    expect(again['agent-2']).not.toBe(dropped);
    expect({ ...again, 'agent-2': undefined }).toEqual({ ...first, 'agent-2': undefined });
  });
});
