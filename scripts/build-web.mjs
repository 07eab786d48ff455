#!/usr/bin/env node
// Builds the browser chat page: bundles src/web/app.ts (and the SDK it imports) into
// dist/web/app.js and copies the static files beside it. The server serves dist/web at "/".
// Also the admin console (src/web/admin/main.ts -> dist/web/admin.js, admin.html at "/admin").
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/web');
const out = join(root, 'dist/web');

mkdirSync(out, { recursive: true });
// Every file is written beside its final name and renamed over it: a server (or a test file
// building at the same time as another) never reads a half-written page.
const tmp = `.tmp-${process.pid}`;
const result = await build({
  entryPoints: [join(src, 'app.ts')],
  outfile: join(out, 'app.js'),
  write: false,
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
// The service worker (push notifications, docs/push.md): a classic script at the root, so its
// scope is the whole site; same origin, so the page's CSP (script-src 'self') allows it.
const worker = await build({
  entryPoints: [join(src, 'sw.ts')],
  outfile: join(out, 'sw.js'),
  write: false,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// The admin console (docs/admin.md): its own small bundle, so the chat page carries none of it.
const admin = await build({
  entryPoints: [join(src, 'admin/main.ts')],
  outfile: join(out, 'admin.js'),
  write: false,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of [...result.outputFiles, ...worker.outputFiles, ...admin.outputFiles]) {
  writeFileSync(file.path + tmp, file.contents);
  renameSync(file.path + tmp, file.path);
}
for (const file of ['index.html', 'style.css', 'admin.html', 'admin.css']) {
  copyFileSync(join(src, file), join(out, file) + tmp);
  renameSync(join(out, file) + tmp, join(out, file));
}

const bytes =
  Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('app.js'))?.[1].bytes ?? 0;
console.log(
  `build-web: dist/web/app.js ${(bytes / 1024).toFixed(1)} KiB, sw.js, index.html, style.css, admin.js, admin.html, admin.css`,
);
