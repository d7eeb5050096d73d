/**
 * Process configuration from the environment, validated against ONE TypeBox schema (`SETTINGS`):
 * every variable the launcher, the worker and the API read, its type, default and meaning. A bad
 * value stops start-up with one message naming each variable at fault and what it must be.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { TLSConfig } from '@temporalio/client';

const HOST_PORT_BODY = '(\\[[0-9A-Fa-f:.]+\\]|[^\\s:/\\[\\]]+):[0-9]{1,5}';
const HOST_PORT = `^${HOST_PORT_BODY}$`;
const port = (what: string, defaultPort: number) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort, description: `a TCP port number (1–65535) for ${what}` });
const file = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The one schema: keys are the environment variables. `description` says what a valid value is. */
export const SETTINGS = Type.Object({
  // ---- Temporal (names as in Temporal's own client environment configuration)
  TEMPORAL_ADDRESS: Type.Optional(
    Type.String({ pattern: HOST_PORT, description: 'the Temporal frontend as host:port, e.g. localhost:7233 (unset under npm start: the embedded dev server)' }),
  ),
  TEMPORAL_NAMESPACE: Type.String({ minLength: 1, default: 'default', description: 'a Temporal namespace name' }),
  TEMPORAL_TASK_QUEUE: Type.String({ minLength: 1, default: 'service-clock', description: 'a task queue name' }),
  TEMPORAL_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'an API key for a secured or Temporal Cloud namespace (turns TLS on)' })),
  TEMPORAL_TLS: Type.Optional(Type.Boolean({ description: 'true or false: connect to Temporal over TLS' })),
  TEMPORAL_TLS_CLIENT_CERT_PATH: file('a readable file: the client certificate (PEM) for mutual TLS'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: file('a readable file: the client private key (PEM) for mutual TLS'),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: file("a readable file: the CA certificate (PEM) that signed the server's certificate"),
  TEMPORAL_TLS_SERVER_NAME: Type.Optional(Type.String({ minLength: 1, description: "the server name to expect in the server's certificate (SNI)" })),
  // ---- PostgreSQL
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'a PostgreSQL URL, postgres://user:password@host:5432/database (unset under npm start: the embedded server)' }),
  ),
  // ---- API
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'the address the API (and the embedded Temporal UI) listens on; 0.0.0.0 for every interface' }),
  PORT: port('the API', 3000),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info', description: `one of ${LOG_LEVELS.join(', ')}` },
  ),
  // ---- Policy and calendar (read by config/policy.ts)
  POLICY_FILE: file('the policy file (JSON)'),
  CALENDAR_FILE: file('the holiday calendar file (JSON)'),
  // ---- Worker tuning (worker/tuning.ts)
  EXPECTED_OPEN_REQUESTS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1000,
    description: 'a whole number ≥ 1: how many requests you expect open at once (sizes the worker cache and task slots)',
  }),
  WORKER_METRICS_ADDRESS: Type.Optional(
    Type.String({
      pattern: `^(off|${HOST_PORT_BODY})$`,
      description: 'host:port for the worker\'s Prometheus /metrics (e.g. 127.0.0.1:9464), or "off"',
    }),
  ),
  WORKFLOW_BUNDLE: file('a workflow bundle file built by `npm run build:workflows` (default: dist/workflow-bundle.js when present)'),
  // ---- npm start's embedded servers (scripts/start.ts)
  EMBEDDED_TEMPORAL_PORT: port('the embedded Temporal dev server', 7233),
  EMBEDDED_TEMPORAL_UI_PORT: port('the embedded Temporal Web UI', 8233),
  EMBEDDED_POSTGRES_PORT: port('the embedded PostgreSQL', 54329),
});
export type RawSettings = Static<typeof SETTINGS>;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Every environment variable the processes read; the docker-compose consistency test checks against it. */
export const ENVIRONMENT_VARIABLES = Object.keys(SETTINGS.properties) as Array<keyof RawSettings>;

/** What a connection to Temporal needs; the same for the worker, the API and the launcher. */
export interface TemporalConnectionSettings {
  address: string;
  /** undefined: plain, unless an API key turns TLS on (the SDK's rule). */
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export interface Settings {
  /** Temporal frontend, host:port: TEMPORAL_ADDRESS, else localhost:7233. */
  temporalAddress: string;
  /** Whether TEMPORAL_ADDRESS was set (npm start then starts no dev server). */
  temporalAddressSet: boolean;
  temporalNamespace: string;
  taskQueue: string;
  temporalApiKey?: string;
  temporalTls?: TLSConfig | boolean;
  /** PostgreSQL connection string; `npm start` sets it to the embedded server when unset. */
  databaseUrl?: string;
  host: string;
  port: number;
  logLevel: LogLevelName;
  policyFile?: string;
  calendarFile?: string;
  expectedOpenRequests: number;
  /** undefined: no metrics endpoint. */
  workerMetricsAddress?: string;
  workflowBundle?: string;
  embeddedTemporalPort: number;
  embeddedTemporalUiPort: number;
  embeddedPostgresPort: number;
}

export interface AppConfig extends Settings {
  databaseUrl: string;
}

export const DEFAULTS = {
  temporalAddress: 'localhost:7233',
  temporalNamespace: SETTINGS.properties.TEMPORAL_NAMESPACE.default as string,
  taskQueue: SETTINGS.properties.TEMPORAL_TASK_QUEUE.default as string,
  host: SETTINGS.properties.HOST.default as string,
  port: SETTINGS.properties.PORT.default as number,
  logLevel: SETTINGS.properties.LOG_LEVEL.default as LogLevelName,
  expectedOpenRequests: SETTINGS.properties.EXPECTED_OPEN_REQUESTS.default as number,
  /** npm start's metrics endpoint when WORKER_METRICS_ADDRESS is unset (a lone worker process has none). */
  workerMetricsAddress: '127.0.0.1:9464',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Environment strings to the schema's types, strictly ("1.5" is not an integer, "yes" not a boolean). */
function convert(schema: TSchema, raw: string): unknown {
  if (schema.type === 'integer') return /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  if (schema.type === 'boolean') return ({ true: true, false: false, '1': true, '0': false } as Record<string, boolean>)[raw.toLowerCase()] ?? raw;
  return raw;
}

function readPemFile(variable: string, file: string | undefined, problems: string[]): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    problems.push(`${variable} must name a readable file, got "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

/** Validates the environment against SETTINGS; DATABASE_URL may be missing (npm start embeds one). */
export function parseSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const raw: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SETTINGS.properties) as Array<[string, TSchema]>) {
    const value = env[name]?.trim();
    if (value) raw[name] = convert(schema, value); // empty counts as unset (compose's `VAR:`)
  }
  const values = Value.Default(SETTINGS, raw) as RawSettings;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(SETTINGS, values)) {
    const name = error.path.replace(/^\//, '').split('/')[0];
    if (seen.has(name)) continue;
    seen.add(name);
    const schema = (SETTINGS.properties as Record<string, TSchema>)[name] as TSchema | undefined;
    problems.push(`${name} must be ${schema?.description ?? error.message}, got "${env[name]}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const cert = values.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = values.TEMPORAL_TLS_CLIENT_KEY_PATH;
  if (Boolean(cert) !== Boolean(key)) {
    problems.push('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both for mutual TLS, or neither');
  }
  const tlsFiles = cert || key || values.TEMPORAL_TLS_SERVER_CA_CERT_PATH || values.TEMPORAL_TLS_SERVER_NAME;
  if (values.TEMPORAL_TLS === false && tlsFiles) {
    problems.push('TEMPORAL_TLS=false contradicts the TEMPORAL_TLS_* certificate settings: remove one or the other');
  }
  if (!values.TEMPORAL_ADDRESS && (tlsFiles || values.TEMPORAL_API_KEY || values.TEMPORAL_TLS)) {
    problems.push('TEMPORAL_TLS_* and TEMPORAL_API_KEY need TEMPORAL_ADDRESS: the embedded dev server uses neither');
  }
  const crt = readPemFile('TEMPORAL_TLS_CLIENT_CERT_PATH', cert, problems);
  const pem = readPemFile('TEMPORAL_TLS_CLIENT_KEY_PATH', key, problems);
  const ca = readPemFile('TEMPORAL_TLS_SERVER_CA_CERT_PATH', values.TEMPORAL_TLS_SERVER_CA_CERT_PATH, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  let temporalTls: TLSConfig | boolean | undefined = values.TEMPORAL_TLS;
  if (tlsFiles) {
    temporalTls = {
      ...(crt && pem ? { clientCertPair: { crt, key: pem } } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(values.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: values.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  }
  const metrics = values.WORKER_METRICS_ADDRESS;
  return {
    temporalAddress: values.TEMPORAL_ADDRESS ?? DEFAULTS.temporalAddress,
    temporalAddressSet: Boolean(values.TEMPORAL_ADDRESS),
    temporalNamespace: values.TEMPORAL_NAMESPACE,
    taskQueue: values.TEMPORAL_TASK_QUEUE,
    temporalApiKey: values.TEMPORAL_API_KEY,
    temporalTls,
    databaseUrl: values.DATABASE_URL,
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL as LogLevelName,
    policyFile: values.POLICY_FILE,
    calendarFile: values.CALENDAR_FILE,
    expectedOpenRequests: values.EXPECTED_OPEN_REQUESTS,
    workerMetricsAddress: metrics === 'off' ? undefined : metrics,
    workflowBundle: values.WORKFLOW_BUNDLE,
    embeddedTemporalPort: values.EMBEDDED_TEMPORAL_PORT,
    embeddedTemporalUiPort: values.EMBEDDED_TEMPORAL_UI_PORT,
    embeddedPostgresPort: values.EMBEDDED_POSTGRES_PORT,
  };
}

/** The worker's and the API's configuration: DATABASE_URL is required. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const settings = parseSettings(env);
  if (!settings.databaseUrl) {
    throw new ConfigError(['DATABASE_URL is not set: name a PostgreSQL server (postgres://user:password@host:5432/database), or run `npm start` for the embedded one']);
  }
  return { ...settings, databaseUrl: settings.databaseUrl };
}

/** Options for Connection.connect and NativeConnection.connect: address, TLS and API key. */
export function temporalConnectionOptions(settings: Pick<Settings, 'temporalAddress' | 'temporalTls' | 'temporalApiKey'>): TemporalConnectionSettings {
  return {
    address: settings.temporalAddress,
    ...(settings.temporalTls !== undefined ? { tls: settings.temporalTls } : {}),
    ...(settings.temporalApiKey ? { apiKey: settings.temporalApiKey } : {}),
  };
}
