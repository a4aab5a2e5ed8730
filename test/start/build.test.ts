import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

// What `pnpm start` runs first: `node scripts/build.mjs --if-stale` builds only when an output
// is missing or older than a file it was built from, so a fresh clone and an edited checkout
// both start on current code and an unchanged one starts without building. Other test files
// may run `pnpm start` (and so a build) meanwhile: these check outcomes, not who built.
const ROOT = join(__dirname, '..', '..');
const buildIfStale = () => execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
const output = (file: string) => join(ROOT, file);

beforeAll(() => {
  buildIfStale();
}, 60_000);

it('does nothing when the build is current', () => {
  expect(buildIfStale()).toBe('');
});

it('builds again when an output is older than its sources', () => {
  const file = output('apps/worker/dist/lua/reserve-5.lua');
  utimesSync(file, new Date(0), new Date(0));
  buildIfStale();
  const source = statSync(join(ROOT, 'packages/issuance/src/lua/reserve-5.lua'));
  expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(source.mtimeMs);
});

it('builds again when an output is missing', () => {
  rmSync(output('db/dist/migrate.js'));
  buildIfStale();
  expect(existsSync(output('db/dist/migrate.js'))).toBe(true);
});

it('puts beside each bundle the Lua scripts its modules read from their own lua/ directory', () => {
  const manifest = JSON.parse(readFileSync(output('dist/build-manifest.json'), 'utf8')) as { outputs: string[] };
  const lua = (dir: string) => manifest.outputs.filter((f) => f.startsWith(`${dir}/lua/`)).map((f) => f.slice(dir.length + 5)).sort();
  const issuance = ['merge-holders-2', 'mirror-coupon-1', 'read-issuance-2', 'reserve-5', 'restore-coupon-2', 'settle-many-n'];
  const idempotency = ['idempotency-claim-1', 'idempotency-complete-1', 'idempotency-release-1', 'idempotency-renew-1'];
  expect({ api: lua('apps/api/dist'), worker: lua('apps/worker/dist') }).toEqual({
    api: [...idempotency, ...issuance].map((n) => `${n}.lua`).sort(),
    worker: issuance.map((n) => `${n}.lua`),
  });
});

it('maps stack traces of a bundle back to the TypeScript', () => {
  let stderr = '';
  try {
    execFileSync(process.execPath, ['--enable-source-maps', 'apps/api/dist/main.js'], {
      cwd: ROOT, env: { PATH: process.env.PATH, QUEUE_PREFIX: 'not-a-hash-tag' }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    stderr = (error as { stderr: string }).stderr;
  }
  expect(stderr).toContain('QUEUE_PREFIX');
  expect(stderr).toMatch(/at parseEnv \(\S*packages\/runtime\/src\/env\.ts:\d+:\d+\)/);
});
