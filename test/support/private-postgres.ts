import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of the test's own (initdb in a temp dir, another port), for tests that
 * stop or restart the database. The machine's shared server is never touched; stop() goes
 * through pg_ctl on this data directory, i.e. this server's own postmaster pid.
 *
 * PostgreSQL refuses to run as root, so as root every command runs as the `postgres` user
 * (runuser) in a directory handed to it. fsync is off: the tests kill processes, not the
 * machine, and PostgreSQL's crash recovery after an immediate stop works the same without it.
 */
export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  start(): Promise<void>;
  /** 'immediate' is a crash: no checkpoint, every backend killed, WAL replayed at the next start. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** The postmaster's pid, read from this data directory. */
  pid(): number | null;
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'coupon-pg-'));
  const data = join(root, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgRun = (bin: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, bin), ...args]) : run(join(BIN, bin), args);

  await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  let running = false;
  const self: PrivatePostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
      await pgRun('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'postgres.log'), '-w', '-t', '60', 'start']);
      running = true;
      const client = new pg.Client({ connectionString: self.url() });
      await client.connect();
      await client.end();
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    pid() {
      try {
        return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return null;
      }
    },
    async destroy() {
      await self.stop('immediate').catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
