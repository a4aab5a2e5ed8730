import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnv, loadApiConfig } from '@coupon/api/config';
import { loadWorkerConfig, workerEnv } from '@coupon/worker/config';

// The README's configuration table is checked against the env schemas, so neither can
// drift from the other: every variable listed, every default right.
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function configTable(): Map<string, { processes: string; defaults: string }> {
  const section = readme.split('## Configuration')[1]!.split('\n## ')[0]!;
  const rows = new Map<string, { processes: string; defaults: string }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, { processes: cells[2]!, defaults: cells[3]! });
  }
  return rows;
}

it('opens with the two commands', () => {
  expect(readme.split('\n').slice(0, 6).join('\n')).toContain('pnpm install && pnpm start');
  expect(readme.split('\n').slice(0, 6).join('\n')).toContain('pnpm test');
});

it('lists every variable of the api and worker schemas, for the right process, with its default', () => {
  const table = configTable();
  const defaults = { api: loadApiConfig({}) as Record<string, unknown>, worker: loadWorkerConfig({}) as Record<string, unknown> };
  for (const [app, shape] of [['api', apiEnv], ['worker', workerEnv]] as const) {
    for (const name of Object.keys(shape)) {
      const row = table.get(name);
      expect({ name, listed: row !== undefined }).toEqual({ name, listed: true });
      expect({ name, processes: row!.processes.includes(app) }).toEqual({ name, processes: true });
      const value = defaults[app][name];
      if (name === 'API_PROCESSES') continue; // "number of cores"
      const shown = value === undefined ? '—' : String(value);
      expect({ name, app, defaults: row!.defaults.includes(shown) }).toEqual({ name, app, defaults: true });
    }
  }
  for (const name of table.keys()) {
    expect({ name, known: name in apiEnv || name in workerEnv }).toEqual({ name, known: true });
  }
});
