import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The packages as an app gets them: `npm pack` of every workspace package, installed from the
 * tarballs into a scratch app outside the workspace (in the OS temp dir), which then typechecks
 * under each module resolution, hosts and joins a session from Node, and builds a React app with
 * Vite. The app's files are in `test/pack/app`.
 */

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/pack/app');
const PACKAGES = ['protocol', 'room', 'yjs', 'server', 'client', 'react'] as const;

/** What the scratch app installs from the registry, at the versions the workspace has. */
const THIRD_PARTY = {
  dependencies: ['react', 'react-dom', 'yjs', 'ws', 'better-sqlite3'],
  devDependencies: ['vite', 'typescript', '@types/react', '@types/react-dom', '@types/node'],
} as const;

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

let temp: string;
let app: string;
let packed: Packed[];

/**
 * The environment without what `npm test` says about this workspace (its prefix, package and
 * script), so npm in the scratch app installs there; registry, cache and certificate settings stay.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const workspaceBound =
    /^npm_(package_|lifecycle_|command$|config_(local_prefix|call|workspaces?|include_workspace_root)$)|^INIT_CWD$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !workspaceBound.test(key)));
}

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

async function versionIn(dir: string, name: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
  return pkg.version as string;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'tandem-pack-'));
  const tarballs = join(temp, 'tarballs');
  await mkdir(tarballs);
  // Each package's prepack builds it (`tsc -b`), so this packs what a publish would.
  const workspaces = PACKAGES.flatMap((p) => ['-w', `packages/${p}`]);
  packed = JSON.parse(
    await sh('npm', ['pack', ...workspaces, '--pack-destination', tarballs, '--json'], root),
  );

  app = join(temp, 'app');
  await cp(fixture, app, { recursive: true });
  const manifest: Record<string, unknown> = { name: 'tandem-pack-check', private: true, type: 'module' };
  for (const [field, names] of Object.entries(THIRD_PARTY))
    manifest[field] = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await versionIn(root, n)])),
    );
  await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  await sh(
    'npm',
    [
      'install',
      ...packed.map((p) => join(tarballs, p.filename)),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      // The one install script is better-sqlite3's native build, minutes of compiling: the app
      // takes the workspace's build of the same version on this same Node instead (below).
      '--ignore-scripts',
    ],
    app,
  );
  const release = 'node_modules/better-sqlite3/build/Release';
  expect(await versionIn(app, 'better-sqlite3')).toBe(await versionIn(root, 'better-sqlite3'));
  await mkdir(join(app, release), { recursive: true });
  await copyFile(join(root, release, 'better_sqlite3.node'), join(app, release, 'better_sqlite3.node'));
}, 600_000);

afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('the published packages', () => {
  it('each hold LICENSE, README, the build and its sources, and no tests', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((p) => `@tandem/${p}`).sort());
    for (const { name, files } of packed) {
      const paths = files.map((f) => f.path);
      for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'])
        expect(paths, `${name}: ${required}`).toContain(required);
      expect(
        paths.filter(
          (p) => !/^(dist|src)\//.test(p) && !['LICENSE', 'README.md', 'package.json'].includes(p),
        ),
        name,
      ).toEqual(name === '@tandem/server' ? ['bin/tandem.js'] : []);
      expect(
        paths.filter((p) => /(^|\/)test\/|\.test\.[cm]?[jt]sx?$|\.tsbuildinfo$/.test(p)),
        name,
      ).toEqual([]);
    }
  });

  it('give an app on moduleResolution node a way to every entry point: main and types, typesVersions for subpaths', async () => {
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules/@tandem', p);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        main: string;
        types: string;
        exports: Record<string, { types: string; default: string }>;
        typesVersions?: Record<string, Record<string, string[]>>;
      };
      expect({ main: pkg.main, types: pkg.types }, p).toEqual({
        main: pkg.exports['.']!.default,
        types: pkg.exports['.']!.types,
      });
      for (const [subpath, target] of Object.entries(pkg.exports)) {
        await expect(readFile(join(dir, target.default)), `${p} ${subpath}`).resolves.toBeDefined();
        await expect(readFile(join(dir, target.types)), `${p} ${subpath}`).resolves.toBeDefined();
        if (subpath === '.') continue;
        // node10 ignores `exports`: `@tandem/x/sub` finds its types only through typesVersions.
        expect(pkg.typesVersions?.['*']?.[subpath.slice(2)], `${p} ${subpath}`).toEqual([target.types]);
      }
    }
  });

  it('have source maps whose sources are in the package', async () => {
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules/@tandem', p);
      const maps = (await filesUnder(join(dir, 'dist'))).filter((f) => f.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        const { sources } = JSON.parse(await readFile(map, 'utf8')) as { sources: string[] };
        for (const source of sources)
          await expect(readFile(resolve(dirname(map), source))).resolves.toBeDefined();
      }
    }
  });

  it("keep 'use client' atop every React module that holds hooks, components or context", async () => {
    const dist = join(app, 'node_modules/@tandem/react/dist');
    const modules = (await filesUnder(dist)).filter(
      (f) => f.endsWith('.js') && /[/\\](hooks|components)[/\\]|context\.js$|store\.js$/.test(f),
    );
    expect(modules.length).toBeGreaterThan(10);
    for (const file of modules)
      if (!file.endsWith('util.js'))
        expect((await readFile(file, 'utf8')).split('\n')[0], file).toBe("'use client';");
  });

  it('typecheck under moduleResolution bundler, node16 and node', async () => {
    const tsc = join(app, 'node_modules/.bin/tsc');
    await Promise.all(
      ['tsconfig.json', 'tsconfig.node16.json', 'tsconfig.node10.json'].map((config) =>
        sh(tsc, ['-p', config], app),
      ),
    );
  }, 300_000);

  it('host and join a session from a Node ESM script', async () => {
    const out = await sh(process.execPath, ['host-and-join.mjs'], app);
    expect(out.trim()).toBe('edit received');
  }, 60_000);

  it('link the tandem command', async () => {
    const help = await sh(join(app, 'node_modules/.bin/tandem'), ['serve', '--help'], app);
    expect(help).toContain('Usage: tandem serve');
  }, 60_000);

  it('build a React app with Vite', async () => {
    await sh(join(app, 'node_modules/.bin/vite'), ['build'], app);
    const assets = await readdir(join(app, 'dist/assets'));
    const bundle = assets.find((f) => f.endsWith('.js'));
    expect(bundle).toBeDefined();
    expect(await readFile(join(app, 'dist/assets', bundle!), 'utf8')).toContain('tandem-');
  }, 120_000);
});
