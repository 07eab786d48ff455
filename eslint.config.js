// ESLint flat config: type-aware typescript-eslint rules for every TypeScript file, and the
// layering of src/ (docs/architecture.md) enforced, not remembered:
//
//   cli → server → core → seams (auth, bus, presence, push, store, transport) → protocol, errors
//
// - nothing imports a layer above it, and nothing forms an import cycle;
// - the core reaches the seams only through their interface files, never a backend, and imports
//   no `node:` module and no network library;
// - backends never import the core, the server or the CLI;
// - the client SDK, the page and the shared base modules import no `node:` module and nothing
//   of the server.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const SEAMS = ['auth', 'blob', 'bus', 'presence', 'push', 'store', 'transport'];
/** The seam interface files: what the core may import from each seam. */
const SEAM_INTERFACES = {
  auth: ['./authenticator.ts', './session-store.ts'],
  blob: ['./blob-store.ts'],
  bus: ['./bus.ts'],
  presence: ['./presence.ts'],
  push: ['./push-sender.ts'],
  store: ['./store.ts', './message-store.ts', './channel-store.ts'],
  transport: ['./transport.ts'],
};
const ABOVE_SEAMS = ['core', 'server', 'cli', 'settings', 'client', 'web', 'http', 'webhooks'].map(
  (d) => `./src/${d}`,
);
const SERVER_SIDE = [
  ...SEAMS,
  'core',
  'server',
  'http',
  'net',
  'webhooks',
  'cli',
  'settings',
  'config.ts',
  'index.ts',
  'backend-errors.ts',
  'version.ts',
].map((d) => `./src/${d}`);
/** Modules the browser loads (the SDK, the page, and what they share with the server). */
const BROWSER_SIDE = [
  'src/client/**',
  'src/web/**',
  'src/protocol/**',
  'src/errors.ts',
  'src/backoff.ts',
  'src/logger.ts',
  'src/token-bucket.ts',
];

const zone = (target, from, message, except) => ({
  target,
  from,
  message,
  ...(except ? { except } : {}),
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A promise nobody awaits or catches is a lost error. node:test's describe/it/before/after
      // return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'describe',
                'it',
                'test',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // Handlers implement promise-returning interfaces (commands, seams); many need no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      // no-cycle parses the modules an import leads to: they are TypeScript too.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // Nothing imports upward.
            zone('./src/server', './src/cli', 'the server does not import the CLI'),
            zone(
              './src/webhooks',
              ['./src/server', './src/cli', './src/http'],
              'webhook delivery is given its store and settings; it imports no server or route',
            ),
            zone(
              './src/http',
              ['./src/server', './src/cli', './src/core'],
              'the HTTP API routes reach the server only through what they are given',
            ),
            zone(
              './src/core',
              [
                './src/server',
                './src/http',
                './src/webhooks',
                './src/cli',
                './src/settings',
                './src/config.ts',
                './src/index.ts',
              ],
              'the core does not import the server, the HTTP API, the CLI or the settings',
            ),
            ...SEAMS.map((seam) =>
              zone(
                `./src/${seam}`,
                ABOVE_SEAMS,
                `a ${seam} backend never imports the core, the server, the CLI or the SDK`,
              ),
            ),
            zone(
              './src/net',
              [...ABOVE_SEAMS, ...SEAMS.map((seam) => `./src/${seam}`)],
              'outbound fetches (src/net) are a leaf: they import only errors',
            ),
            // The core sees a seam only through its interface.
            ...SEAMS.map((seam) =>
              zone(
                './src/core',
                `./src/${seam}`,
                `the core uses the ${seam} seam through its interface (${SEAM_INTERFACES[seam].join(', ')}), not a backend`,
                SEAM_INTERFACES[seam],
              ),
            ),
            zone(
              [
                './src/protocol',
                './src/errors.ts',
                './src/backoff.ts',
                './src/logger.ts',
                './src/token-bucket.ts',
              ],
              [...SERVER_SIDE, './src/client', './src/web'],
              'protocol and the shared base modules import nothing above them',
            ),
            zone(
              ['./src/client', './src/web'],
              SERVER_SIDE,
              'the SDK and the page run in browsers: no server module',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*'],
              message: 'the core imports no node: module (it runs on fakes in tests)',
            },
            {
              group: ['ws', 'pg', 'ioredis', 'amqplib', '@nats-io/*', 'better-sqlite3'],
              message: 'the core imports no driver or network library',
            },
          ],
        },
      ],
    },
  },
  {
    files: BROWSER_SIDE,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'browser code imports no node: module' }] },
      ],
    },
  },
);
