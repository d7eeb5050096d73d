/**
 * docker-compose.yml (and the Dockerfile it builds) must agree with the app's own configuration:
 * the environment variables config/index.ts reads and its defaults, the process entry points, and
 * the search attributes the workflow upserts. Each check reads the value from the compose file and
 * compares it with the source of truth, so drift on either side fails here, not in a deployment.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, ENVIRONMENT_VARIABLES, loadConfig } from '../../config';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = path.resolve(__dirname, '../..');
const APP_SERVICES = ['worker', 'api'] as const;

interface PortLong {
  target: number | string;
  published?: number | string;
}
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | PortLong>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  container_name?: string;
  volumes?: unknown[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

// `merge: true`: the file shares the app environment through a YAML merge key (`<<: *app-environment`).
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;

function service(name: string): ComposeService {
  const found = compose.services?.[name];
  if (!found) throw new Error(`docker-compose.yml has no "${name}" service`);
  return found;
}

/** A service's environment as a string map, from either the map or the `KEY=VALUE` list form. */
function env(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(
      raw.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value == null ? '' : String(value)]));
}

/** Published/container port pairs from the short ("[ip:]published:target[/proto]") or long syntax. */
function ports(name: string): Array<{ published?: number; target: number }> {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') return { published: port.published == null ? undefined : Number(port.published), target: Number(port.target) };
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts[parts.length - 1]);
    return parts.length === 1 ? { target } : { published: Number(parts[parts.length - 2]), target };
  });
}

function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

function dependencyConditions(name: string): Record<string, string | undefined> {
  const deps = service(name).depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((dep) => [dep, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([dep, options]) => [dep, options?.condition]));
}

/** The `temporal operator search-attribute create --type` spelling of each SDK type. */
const CLI_TYPE_NAME: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

describe('docker-compose.yml agrees with the app configuration', () => {
  it('has the production topology: postgres, temporal, temporal-ui, worker, api', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'worker', 'api']));
  });

  it.each(APP_SERVICES)('%s sets only environment variables that config/index.ts reads, and they load', (name) => {
    const vars = env(name);
    for (const key of Object.keys(vars)) expect(ENVIRONMENT_VARIABLES, `${name} sets ${key}`).toContain(key);
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'DATABASE_URL']) {
      expect(vars, `${name} must set ${key}`).toHaveProperty(key);
    }
    expect(() => loadConfig(vars)).not.toThrow();
  });

  it.each(APP_SERVICES)("%s reaches Temporal at the temporal service's name and container port", (name) => {
    const address = env(name).TEMPORAL_ADDRESS;
    const [host, port] = address.split(':');
    expect(host).toBe('temporal');
    expect(Number(port)).toBe(7233);
    expect(ports('temporal').map((p) => p.target)).toContain(Number(port));
  });

  it('the Temporal UI and the admin tools reach the same Temporal address as the app', () => {
    const address = env('worker').TEMPORAL_ADDRESS;
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe(address);
    expect(env('temporal-admin-tools').TEMPORAL_ADDRESS).toBe(address);
  });

  it.each(APP_SERVICES)("%s's DATABASE_URL names the postgres service and its credentials and database", (name) => {
    const url = new URL(env(name).DATABASE_URL);
    const postgres = env('postgres');
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgres');
    expect(Number(url.port || 5432)).toBe(5432);
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(postgres.POSTGRES_DB);
  });

  it('postgres has a pg_isready healthcheck and a volume; Temporal uses the same server and credentials', () => {
    expect(text(service('postgres').healthcheck?.test)).toContain('pg_isready');
    expect(service('postgres').volumes ?? []).not.toHaveLength(0);
    const temporal = env('temporal');
    const postgres = env('postgres');
    expect(temporal.DB).toBe('postgres12');
    expect(temporal.POSTGRES_SEEDS).toBe('postgres');
    expect(temporal.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
    expect(temporal.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
  });

  it('the api listens on all interfaces and publishes its PORT, the default port, with a /health healthcheck', () => {
    const vars = env('api');
    const port = Number(vars.PORT);
    expect(port).toBe(DEFAULTS.port);
    expect(vars.HOST).toBe('0.0.0.0');
    expect(ports('api')).toContainEqual({ published: port, target: port });
    const healthcheck = text(service('api').healthcheck?.test);
    expect(healthcheck).toContain('fetch(');
    expect(healthcheck.match(/https?:\/\/[^'"`\s)]+/g)).toEqual([`http://localhost:${port}/health`]);
  });

  it('the worker is scalable: no container name, no host ports', () => {
    expect(service('worker').container_name).toBeUndefined();
    expect(service('worker').ports ?? []).toEqual([]);
  });

  it('worker and api use the default task queue and one namespace', () => {
    expect(env('worker').TEMPORAL_TASK_QUEUE).toBe(DEFAULTS.taskQueue);
    expect(env('api').TEMPORAL_TASK_QUEUE).toBe(DEFAULTS.taskQueue);
    expect(env('api').TEMPORAL_NAMESPACE).toBe(env('worker').TEMPORAL_NAMESPACE);
  });

  it.each([
    ['worker', 'worker/main.ts'],
    ['api', 'api/server.ts'],
  ])('%s runs %s, built from this repository', (name, entry) => {
    const scripts = text(service(name).command).match(/\S+\.ts\b/g) ?? [];
    expect(scripts).toEqual([entry]);
    expect(existsSync(path.join(ROOT, entry))).toBe(true);
    const build = service(name).build;
    const context = typeof build === 'string' ? build : build?.context;
    expect(context, `${name} must be built from the repository`).toBeDefined();
    const dockerfile = (typeof build === 'object' && build.dockerfile) || 'Dockerfile';
    expect(existsSync(path.resolve(ROOT, context!, dockerfile))).toBe(true);
  });

  it("registers every search attribute of workflows/search-attributes.ts with its type, before the app's processes start", () => {
    const registering = Object.keys(compose.services).filter((name) =>
      /temporal\s+operator\s+search-attribute\s+create/.test(`${text(service(name).entrypoint)} ${text(service(name).command)}`),
    );
    expect(registering).toHaveLength(1);
    const [registrar] = registering;
    const script = text(service(registrar).command);
    const registered = Object.fromEntries([...script.matchAll(/--name\s+(\S+)\s+--type\s+(\S+)/g)].map((m) => [m[1], m[2].toLowerCase()]));
    const expected = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, CLI_TYPE_NAME[key.type].toLowerCase()]));
    expect(registered).toEqual(expected);
    // On the namespace the app uses.
    expect(env(registrar).TEMPORAL_NAMESPACE).toBe(env('worker').TEMPORAL_NAMESPACE);
    for (const name of APP_SERVICES) {
      expect(dependencyConditions(name)[registrar], `${name} waits for ${registrar}`).toBe('service_completed_successfully');
    }
  });

  it.each(APP_SERVICES)('%s starts only once postgres and temporal are healthy', (name) => {
    const conditions = dependencyConditions(name);
    expect(conditions.postgres).toBe('service_healthy');
    expect(conditions.temporal).toBe('service_healthy');
  });

  it('the Dockerfile exposes the API port and runs the API by default as the node user', () => {
    const dockerfilePath = path.join(ROOT, 'Dockerfile');
    expect(existsSync(dockerfilePath)).toBe(true);
    const dockerfile = readFileSync(dockerfilePath, 'utf8');
    const exposed = [...dockerfile.matchAll(/^\s*EXPOSE\s+(.+)$/gim)].flatMap((m) => m[1].trim().split(/\s+/)).map((p) => Number(p.replace(/\/(tcp|udp)$/, '')));
    expect(exposed).toContain(Number(env('api').PORT));
    expect(exposed).toContain(DEFAULTS.port);
    const cmd = [...dockerfile.matchAll(/^\s*CMD\s+(.+)$/gim)].map((m) => m[1]).pop() ?? '';
    expect(cmd).toContain('api/server.ts');
    const users = [...dockerfile.matchAll(/^\s*USER\s+(\S+)/gim)].map((m) => m[1]);
    expect(users.pop()).toBe('node');
  });
});
