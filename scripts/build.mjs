// @ts-check
// `pnpm build`: each entry point bundled by esbuild into one CommonJS file beside the package
// that runs it (apps/api/dist/main.js, ...), with a source map and the Lua scripts it reads.
// `--if-stale` (what `pnpm start` runs first) builds only when an output is missing or older
// than a file it was built from. Plain JavaScript: it has to run before anything is compiled.
//
// Bundled rather than compiled file by file (`tsc -b`): the workspace packages are inlined, so
// their package.json can keep pointing at the TypeScript that tsx and jest run, and a build
// takes well under a second where tsc takes several (figures in the README, "Production build").
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST = path.join(ROOT, 'dist', 'build-manifest.json');

/** Entry point → bundle. A bundle's imports of npm packages must resolve from its directory. */
const TARGETS = [
  { entry: 'apps/api/src/main.ts', out: 'apps/api/dist/main.js' },
  { entry: 'apps/worker/src/main.ts', out: 'apps/worker/dist/main.js' },
  { entry: 'apps/worker/src/reconcile/cli.ts', out: 'apps/worker/dist/reconcile.js' },
  { entry: 'db/src/cli.ts', out: 'db/dist/migrate.js' },
  { entry: 'scripts/start.ts', out: 'dist/start.js' },
  { entry: 'scripts/prepare-database.ts', out: 'dist/prepare-database.js' },
];

/** True when every output exists and none is older than the sources it was built from. */
function isFresh() {
  if (!existsSync(MANIFEST)) return false;
  /** @type {{ inputs: string[], outputs: string[] }} */
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const mtime = (/** @type {string} */ file) => statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs;
  const outputs = [...manifest.outputs, path.relative(ROOT, MANIFEST)].map(mtime);
  // esbuild also reads the tsconfig files (the language target, class fields)
  const inputs = [...manifest.inputs, 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.base.json'].map(mtime);
  if (outputs.includes(undefined) || inputs.includes(undefined)) return false;
  return Math.max(.../** @type {number[]} */ (inputs)) <= Math.min(.../** @type {number[]} */ (outputs));
}

async function build() {
  // loaded only when building: `pnpm start` with a fresh build never pays for it
  const esbuild = await import('esbuild');
  const results = await Promise.all(TARGETS.map(async ({ entry, out }) => {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // class and function names stay as written: error names and logs read them
      keepNames: true,
      // stack traces point at the TypeScript (node --enable-source-maps); the map needs no copy of it
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: 'warning',
      plugins: [NPM_PACKAGES_EXTERNAL],
    });
    checkRequiresResolve(result.metafile, out);
    const inputs = Object.keys(result.metafile.inputs);
    const lua = luaBeside(inputs, path.dirname(out));
    for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
    for (const { from, to } of lua) writeAtomically(path.join(ROOT, to), readFileSync(path.join(ROOT, from)));
    return {
      inputs: [...inputs, ...lua.map((l) => l.from)],
      outputs: [...result.outputFiles.map((f) => path.relative(ROOT, f.path)), ...lua.map((l) => l.to)],
    };
  }));
  // written last: its own age counts in isFresh(), so an interrupted build is built again
  writeAtomically(MANIFEST, JSON.stringify({
    inputs: [...new Set(results.flatMap((r) => r.inputs))].sort(),
    outputs: [...new Set(results.flatMap((r) => r.outputs))].sort(),
  }, null, 2));
}

/** npm packages stay `require`s, resolved at run time; the workspace's own packages are bundled. */
const NPM_PACKAGES_EXTERNAL = /** @type {import('esbuild').Plugin} */ ({
  name: 'npm-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path: spec }) => (spec.startsWith('@coupon/') ? undefined : { path: spec, external: true }));
  },
});

/**
 * The npm packages a bundle still requires (after tree shaking) must be installed where Node
 * looks from the bundle's directory, that is, be dependencies of the package it sits in.
 * @param {import('esbuild').Metafile} metafile
 * @param {string} out
 */
function checkRequiresResolve(metafile, out) {
  const names = (metafile.outputs[out]?.imports ?? [])
    .filter((i) => i.external && !isBuiltin(i.path))
    .map((i) => i.path.split('/').slice(0, i.path.startsWith('@') ? 2 : 1).join('/'));
  const missing = [...new Set(names)].filter((name) => !installedFrom(path.join(ROOT, path.dirname(out)), name));
  if (missing.length) throw new Error(`${out} requires ${missing.join(', ')}, which Node would not find from there: ` +
    `add them to the dependencies in ${path.relative(ROOT, packageJsonAbove(path.join(ROOT, out)))}`);
}

function packageJsonAbove(/** @type {string} */ file) {
  let at = path.dirname(file);
  while (!existsSync(path.join(at, 'package.json'))) at = path.dirname(at);
  return path.join(at, 'package.json');
}

/** Node's lookup: node_modules/<name> in the directory or any directory above it. */
function installedFrom(/** @type {string} */ dir, /** @type {string} */ name) {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules', name))) return true;
    if (at === path.dirname(at)) return false;
  }
}

/**
 * The scripts a bundled module reads at run time with readFileSync(join(__dirname, 'lua', ...)):
 * the .lua files of a `lua/` directory beside it, copied to `<bundle dir>/lua/`, where
 * __dirname then points.
 * @param {string[]} inputs
 * @param {string} outDir
 */
function luaBeside(inputs, outDir) {
  const dirs = new Set(inputs.map((file) => path.join(path.dirname(file), 'lua')).filter((dir) => existsSync(path.join(ROOT, dir))));
  const copies = [...dirs].flatMap((dir) => readdirSync(path.join(ROOT, dir))
    .filter((name) => name.endsWith('.lua'))
    .map((name) => ({ from: path.join(dir, name), to: path.join(outDir, 'lua', name) })));
  const seen = new Map();
  for (const { from, to } of copies) {
    if (seen.has(to)) throw new Error(`${from} and ${seen.get(to)} would both be ${to}`);
    seen.set(to, from);
  }
  return copies;
}

/** Two builds at once (two `pnpm start`s) each replace whole files, so none is read half-written. */
function writeAtomically(/** @type {string} */ file, /** @type {string | Uint8Array} */ contents) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (!(ifStale && isFresh())) {
    const started = Date.now();
    try {
      await build();
      console.log(`[build] ${TARGETS.length} entry points bundled in ${Date.now() - started} ms`);
    } catch (error) {
      // esbuild has printed its errors with their source lines already
      console.error(`[build] failed${error instanceof Error && !('errors' in error) ? `: ${error.message}` : ''}`);
      process.exitCode = 1;
    }
  }
}
