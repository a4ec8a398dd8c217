import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds the browser dashboard (dashboard/src) into `dist/dashboard/`: one JavaScript bundle and one
 * stylesheet (uPlot's CSS included), each named after a hash of its content so the gateway can serve
 * them as immutable, and an `index.html` that names them (served with no-cache). Nothing is fetched from
 * elsewhere at run time: no CDN, no web fonts. Run by `npm run build` (so by `npm install` through
 * `prepare`) and by the test suite's global setup.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DASHBOARD_OUT = join(ROOT, 'dist', 'dashboard');

export async function buildDashboard(outDir = DASHBOARD_OUT): Promise<{ files: string[] }> {
  // Built beside the destination and moved in whole, so a server reading the old build while this runs
  // never sees an index naming assets that are not there yet.
  const staging = `${outDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    entryPoints: { app: join(ROOT, 'dashboard', 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    outdir: join(staging, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(join(staging, 'assets'), file));
  const script = outputs.find((file) => file.startsWith('app-') && file.endsWith('.js'));
  const style = outputs.find((file) => file.startsWith('app-') && file.endsWith('.css'));
  if (!script || !style)
    throw new Error(`the dashboard build made no app script or stylesheet: ${outputs.join(', ')}`);
  const template = readFileSync(join(ROOT, 'dashboard', 'index.html'), 'utf8');
  const html = template
    .replace('%STYLE%', `/dashboard/assets/${basename(style)}`)
    .replace('%SCRIPT%', `/dashboard/assets/${basename(script)}`);
  writeFileSync(join(staging, 'index.html'), html);
  mkdirSync(dirname(outDir), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return { files: ['index.html', ...outputs.map((file) => `assets/${file}`)] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files } = await buildDashboard();
  console.log(`dashboard: ${files.length} files in ${relative(process.cwd(), DASHBOARD_OUT) || '.'}`);
}
