/**
 * docker-compose.yml (and the Dockerfile it builds, and the monitoring files in deploy/) must agree
 * with the app's own configuration: the environment variables config/index.ts reads and its
 * defaults, the process entry points, the search attributes the workflow upserts, the ports
 * Prometheus scrapes, and the settings that can never change after a first boot. Each check reads
 * the value from the compose file and compares it with the source of truth, so drift on either
 * side fails here, not in a deployment.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS, ENVIRONMENT_VARIABLES, loadConfig } from '../../config';
import { DYNAMIC_CONFIG } from '../../scripts/temporal-dev-server';
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
  volumes?: Record<string, unknown>;
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
  it('has the production topology: postgres, temporal, temporal-ui, worker, api, prometheus, grafana', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'worker', 'api', 'prometheus', 'grafana']),
    );
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

const COMPOSE_TEXT = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** `${NAME:-default}` → { name, fallback }; anything else → undefined. */
function interpolation(value: string): { name: string; fallback?: string } | undefined {
  const m = /^\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}$/.exec(value.trim());
  return m ? { name: m[1], fallback: m[2] } : undefined;
}

/** A bind mount `./host:/container[:ro]` of a service whose host side is `hostPath` (relative to the repository). */
function bindTarget(name: string, hostPath: string): string | undefined {
  for (const volume of service(name).volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [host, target] = volume.split(':');
    if (path.resolve(ROOT, host) === path.resolve(ROOT, hostPath)) return target;
  }
  return undefined;
}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

describe('docker-compose.yml is production-shaped before a first boot', () => {
  it("gives its Temporal server the dev server's dynamic config (eager activities, issue 9), mounted where DYNAMIC_CONFIG_FILE_PATH points", () => {
    const target = bindTarget('temporal', 'deploy/temporal-dynamic-config.yaml');
    // auto-setup resolves DYNAMIC_CONFIG_FILE_PATH against /etc/temporal.
    expect(target).toBe(path.posix.join('/etc/temporal', env('temporal').DYNAMIC_CONFIG_FILE_PATH ?? ''));
    const file = parse(readFileSync(path.join(ROOT, 'deploy/temporal-dynamic-config.yaml'), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    const fromFile = Object.entries(file).map(([key, values]) => `${key}=${String(values[0].value)}`);
    expect(fromFile).toEqual(DYNAMIC_CONFIG);
    expect(DYNAMIC_CONFIG).toContain('system.enableActivityEagerExecution=true');
  });

  it('fixes the Temporal history shard count at 512, literally, with a warning that it can never change', () => {
    const shards = env('temporal').NUM_HISTORY_SHARDS;
    expect(shards).toBe('512');
    // Not a setting: an `${…}` here could change it on a later `up` and orphan every stored workflow.
    expect(interpolation(shards)).toBeUndefined();
    const around = COMPOSE_TEXT.slice(Math.max(0, COMPOSE_TEXT.indexOf('NUM_HISTORY_SHARDS') - 600), COMPOSE_TEXT.indexOf('NUM_HISTORY_SHARDS'));
    expect(around).toMatch(/NEVER change/);
  });

  it('sets the namespace retention from TEMPORAL_RETENTION_DAYS (30 days by default) on create and on every later up', () => {
    const registrar = 'temporal-admin-tools';
    const retention = interpolation(env(registrar).TEMPORAL_RETENTION_DAYS ?? '');
    expect(retention).toEqual({ name: 'TEMPORAL_RETENTION_DAYS', fallback: '30' });
    const script = text(service(registrar).command);
    expect(script).toMatch(/retention="\$\$\(\(TEMPORAL_RETENTION_DAYS \* 24\)\)h"/);
    expect(script).toMatch(/temporal operator namespace create [^\n]*--retention "\$\$retention"/);
    expect(script).toMatch(/temporal operator namespace update [^\n]*--retention "\$\$retention"/);
    // The namespace is created only there, so auto-setup's 24-hour default never applies.
    expect(env('temporal').SKIP_DEFAULT_NAMESPACE_CREATION).toBe('true');
    expect(env('temporal').DEFAULT_NAMESPACE_RETENTION).toBeUndefined();
  });

  it('the worker runs the workflow bundle the Dockerfile builds', () => {
    const bundle = env('worker').WORKFLOW_BUNDLE;
    const workdir = [...DOCKERFILE.matchAll(/^\s*WORKDIR\s+(\S+)/gim)].map((m) => m[1]).pop();
    expect(workdir).toBeDefined();
    expect(bundle).toBe(path.posix.join(workdir!, 'dist/workflow-bundle.js'));
    const copyAll = DOCKERFILE.search(/^\s*COPY\s+\.\s+\.\s*$/m);
    const build = DOCKERFILE.search(/^\s*RUN\s+npm run build:workflows\b/m);
    expect(copyAll).toBeGreaterThan(-1);
    expect(build, 'the Dockerfile builds the bundle after copying the sources').toBeGreaterThan(copyAll);
    // A stale local dist/ never reaches the image: the bundle is always built from the copied sources.
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toContain('dist');
    // The API does not need it.
    expect(env('api').WORKFLOW_BUNDLE).toBeUndefined();
  });

  it('the Dockerfile exposes the worker metrics port', () => {
    const exposed = [...DOCKERFILE.matchAll(/^\s*EXPOSE\s+(.+)$/gim)].flatMap((m) => m[1].trim().split(/\s+/)).map(Number);
    expect(exposed).toContain(hostPort(env('worker').WORKER_METRICS_ADDRESS ?? '').port);
  });
});

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: Array<{ names: string[]; type?: string; port?: number }>;
}
const prometheusFile = path.join(ROOT, 'deploy/prometheus.yml');
const prometheus = parse(readFileSync(prometheusFile, 'utf8')) as { scrape_configs: ScrapeConfig[] };

function job(name: string): ScrapeConfig {
  const found = prometheus.scrape_configs.find((c) => c.job_name === name);
  if (!found) throw new Error(`deploy/prometheus.yml has no job "${name}"`);
  return found;
}

describe('Prometheus scrapes the API, every worker and the Temporal server', () => {
  it('mounts deploy/prometheus.yml as its configuration', () => {
    expect(bindTarget('prometheus', 'deploy/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    expect(text(service('prometheus').command)).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it("scrapes the API's /metrics at the api service and its PORT", () => {
    const api = job('service-clock-api');
    expect(api.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = (api.static_configs ?? []).flatMap((c) => c.targets).map(hostPort);
    expect(targets).toEqual([{ host: 'api', port: Number(env('api').PORT) }]);
  });

  it("finds every worker replica by DNS at the worker's WORKER_METRICS_ADDRESS, on every interface", () => {
    const worker = job('service-clock-worker');
    const { host, port } = hostPort(env('worker').WORKER_METRICS_ADDRESS ?? '');
    expect(host, 'a container must listen beyond its loopback for Prometheus to reach it').toBe('0.0.0.0');
    expect(Number.isInteger(port) && port > 0).toBe(true);
    expect(port).not.toBe(Number(env('api').PORT));
    expect(worker.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port })]);
  });

  it("scrapes the Temporal server's metrics endpoint", () => {
    const endpoint = hostPort(env('temporal').PROMETHEUS_ENDPOINT ?? '');
    const targets = (job('temporal-server').static_configs ?? []).flatMap((c) => c.targets).map(hostPort);
    expect(targets).toEqual([{ host: 'temporal', port: endpoint.port }]);
  });

  it('keeps its data and Grafana’s in named volumes', () => {
    for (const name of ['prometheus', 'grafana']) {
      const named = (service(name).volumes ?? []).filter((v): v is string => typeof v === 'string' && !v.startsWith('.'));
      expect(named.length, `${name} keeps its data in a named volume`).toBeGreaterThan(0);
      for (const v of named) expect(Object.keys(compose.volumes ?? {})).toContain(v.split(':')[0]);
    }
  });
});

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
}

describe('Grafana is provisioned with Prometheus and the Service Clock dashboard', () => {
  const datasources = parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
    datasources: Array<{ uid: string; type: string; url: string }>;
  };
  const providers = parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/dashboards/service-clock.yml'), 'utf8')) as {
    providers: Array<{ options: { path: string } }>;
  };
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/dashboards/service-clock.json'), 'utf8')) as {
    uid: string;
    panels: Panel[];
  };
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

  it('mounts the provisioning and the dashboards where the provider looks', () => {
    expect(bindTarget('grafana', 'deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(bindTarget('grafana', 'deploy/grafana/dashboards')).toBe(providers.providers[0].options.path);
  });

  it("the data source is the prometheus service's port", () => {
    const [source] = datasources.datasources;
    expect(source.type).toBe('prometheus');
    const url = new URL(source.url);
    expect(url.hostname).toBe('prometheus');
    expect(ports('prometheus').map((p) => p.target)).toContain(Number(url.port));
  });

  it('does not take the API port on the host', () => {
    const published = ports('grafana').map((p) => p.published);
    expect(published).not.toContain(Number(env('api').PORT));
  });

  it('every panel queries the provisioned data source', () => {
    const uid = datasources.datasources[0].uid;
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid ?? uid, panel.title).toBe(uid);
    }
  });

  it.each([
    ['HTTP latency by route', /histogram_quantile\([\s\S]*by \(le, route\)[\s\S]*http_request_duration_seconds_bucket/],
    ['HTTP status by route', /by \(route, status_code\)[\s\S]*http_request_duration_seconds_count/],
    ['open requests by kind and stage', /by \(kind, stage\)[\s\S]*service_clock_open_requests/],
    ['outbox backlog', /service_clock_sms_outbox_messages/],
    ['escalation lateness histogram', /histogram_quantile\([\s\S]*service_clock_escalation_lateness_seconds_bucket/],
    ['workflow task schedule-to-start', /temporal_workflow_task_schedule_to_start_latency_bucket/],
    ['activity schedule-to-start', /temporal_activity_schedule_to_start_latency_bucket/],
    ['workflow task latency', /temporal_workflow_task_execution_latency_bucket/],
  ])('has a panel for %s', (_what, pattern) => {
    expect(queries.some((q) => pattern.test(q))).toBe(true);
  });

  it('scrape jobs named in the dashboard exist', () => {
    const jobs = new Set(queries.flatMap((q) => [...q.matchAll(/job="([^"]+)"/g)].map((m) => m[1])));
    for (const name of jobs) expect(() => job(name)).not.toThrow();
  });
});
