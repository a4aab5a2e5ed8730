import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitForHttp } from './net';

/** Fails with what to install when a Prometheus binary (Debian package `prometheus`) is missing. */
export function requireBinary(name: 'prometheus' | 'promtool'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${name} is not installed: apt-get install prometheus (.ci/run does it)`);
  return found;
}

export interface PrivatePrometheus {
  url: string;
  /** GET /api/v1/<path>: the `data` member of Prometheus's answer. */
  api<T = any>(path: string): Promise<T>;
  output(): string;
  destroy(): Promise<void>;
}

/**
 * A Prometheus of the test's own: a temp dir with the given configuration and rule files,
 * its own storage, a free port; destroy() stops it by its own pid.
 */
export async function startPrivatePrometheus(config: string, files: Record<string, string>): Promise<PrivatePrometheus> {
  const binary = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'coupon-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const destroy = async () => {
    await stopChild(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, { process: child, output: () => output });
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    url,
    async api(path) {
      const body = (await (await fetch(`${url}/api/v1/${path}`)).json()) as { status: string; data: any; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
      return body.data;
    },
    output: () => output,
    destroy,
  };
}
