#!/usr/bin/env node
// Builds the browser chat page: bundles src/web/app.ts (and the SDK it imports) into
// dist/web/app.js and copies the static files beside it. The server serves dist/web at "/".
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/web');
const out = join(root, 'dist/web');

mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(src, 'app.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(src, file), join(out, file));

const bytes =
  Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('app.js'))?.[1].bytes ?? 0;
console.log(`build-web: dist/web/app.js ${(bytes / 1024).toFixed(1)} KiB, index.html, style.css`);
