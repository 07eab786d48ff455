/**
 * The cost of identity (part of a plain run; alone: `--scenario auth`, or `auth-login,auth-storm`):
 *
 * - `auth-login`: password logins per second per core at the chosen KDF cost. Users register
 *   over `POST /api/v1/auth/register`, then `concurrency` loops call `POST /api/v1/auth/login`
 *   for `durationS`; server CPU from /proc gives logins per CPU-second (= per core).
 * - `auth-storm`: the reconnect storm (15,000 clients at scale 1) three ways against one server
 *   started with `--jwt-secret`: first connect as guests (not the headline), then everyone back
 *   with the session token, then everyone back with a JWT (HS256). Server CPU per connection
 *   for token and JWT side by side: the price of verifying a JWT at hello.
 */
import { performance } from 'node:perf_hooks';
import type { WorkerPool } from './lib/pool.js';
import { cpuMs } from './lib/proc.js';
import { fmtCount, note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { startSwitchboard, type RunningServer } from './lib/servers.js';
import { connectAll } from './scenarios.js';

export type AuthScenarioName = 'auth-login' | 'auth-storm';
export const AUTH_SCENARIOS: readonly AuthScenarioName[] = ['auth-login', 'auth-storm'];

/** One wave of the storm: everyone back at once, one way. */
export interface Wave {
  ready: number;
  failed: number;
  readyMs: number;
  cpuUsPerConn: number;
}

export interface AuthResult {
  scenario: AuthScenarioName;
  login?: {
    users: number;
    concurrency: number;
    wallMs: number;
    logins: number;
    /** Answers other than 200 (throttled, errors). */
    refused: number;
    firstRefusal: string | null;
    loginsPerSec: number;
    serverCpuMsPerLogin: number;
    /** Logins per server CPU-second: what one core sustains. */
    loginsPerCoreSec: number;
  };
  storm?: {
    clients: number;
    token: Wave;
    jwt: Wave;
    firstError: string | null;
  };
}

export interface AuthRunOptions {
  scale: number;
  durationS: number | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

export async function runAuthScenario(
  name: AuthScenarioName,
  pool: WorkerPool,
  o: AuthRunOptions,
): Promise<AuthResult> {
  return name === 'auth-login' ? loginScenario(o) : stormScenario(pool, o);
}

function httpUrl(server: RunningServer): string {
  return server.url.replace(/^ws/, 'http');
}

async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function loginScenario(o: AuthRunOptions): Promise<AuthResult> {
  const users = 50;
  const concurrency = 8;
  const durationS = o.durationS ?? 10;
  // All load comes from one address: lift its throttle. The per-account one stays; 50 accounts'
  // bursts of 10 cover the run.
  const server = await startSwitchboard({
    tag: 'auth-login',
    args: ['--login-address-rate', '1000', '--login-address-burst', '1000'],
  });
  try {
    const base = httpUrl(server);
    const password = 'correct horse battery staple';
    for (let i = 0; i < users; i++) {
      status(`auth-login: registering ${i + 1}/${users}`);
      const r = await post(`${base}/api/v1/auth/register`, { handle: `login${i}`, password });
      if (r.status !== 201) throw new Error(`register answered ${r.status}: ${r.text}`);
    }
    await sleep(500);
    const cpu0 = cpuMs(server.pid);
    const t0 = performance.now();
    const until = t0 + durationS * 1000;
    let logins = 0;
    let refused = 0;
    let firstRefusal: string | null = null;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, k) => {
        for (let i = k; performance.now() < until; i += concurrency) {
          const r = await post(`${base}/api/v1/auth/login`, {
            handle: `login${i % users}`,
            password,
          });
          if (r.status === 200) logins++;
          else {
            refused++;
            firstRefusal ??= `${r.status} ${r.text.slice(0, 200)}`;
          }
          if ((logins + refused) % 50 === 0) status(`auth-login: ${fmtCount(logins)} logins`);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = cpuMs(server.pid) - cpu0;
    note(`auth-login: ${logins} logins, ${refused} refused in ${f(wallMs / 1000)} s`);
    return {
      scenario: 'auth-login',
      login: {
        users,
        concurrency,
        wallMs,
        logins,
        refused,
        firstRefusal,
        loginsPerSec: (logins * 1000) / wallMs,
        serverCpuMsPerLogin: cpu / Math.max(1, logins),
        loginsPerCoreSec: (logins * 1000) / Math.max(1, cpu),
      },
    };
  } finally {
    await server.stop();
  }
}

async function stormScenario(pool: WorkerPool, o: AuthRunOptions): Promise<AuthResult> {
  const n = Math.max(2, Math.round(15_000 * o.scale));
  const server = await startSwitchboard({ tag: 'auth-storm', args: ['--jwt-secret', JWT_SECRET] });
  const label = 'auth-storm';
  const base = { concurrency: 250, timeoutMs: 120_000 };
  /** Everyone back at once (resume of an empty general): server CPU per ready connection. */
  const wave = async (how: 'token' | 'jwt'): Promise<Wave & { firstError: string | null }> => {
    await pool.closeClients();
    await pool.reset();
    await sleep(2000);
    const cpu0 = cpuMs(server.pid);
    const options =
      how === 'token'
        ? { ...base, resumeAfter: 0, reconnect: true }
        : { ...base, resumeAfter: 0, reconnect: false, jwtSecret: JWT_SECRET };
    const readyMs = await connectAll(
      'switchboard',
      server.url,
      pool,
      n,
      options,
      `${label} (${how})`,
    );
    const t = pool.totals();
    const cpu = cpuMs(server.pid) - cpu0;
    return {
      ready: t.ready,
      failed: t.failed,
      readyMs,
      cpuUsPerConn: (cpu * 1000) / Math.max(1, t.ready),
      firstError: t.firstError,
    };
  };
  try {
    await sleep(1000);
    const first = { ...base, resumeAfter: null, reconnect: false };
    await connectAll('switchboard', server.url, pool, n, first, `${label} (first connect)`);
    const { firstError: e1, ...token } = await wave('token');
    const { firstError: e2, ...jwt } = await wave('jwt');
    return { scenario: 'auth-storm', storm: { clients: n, token, jwt, firstError: e1 ?? e2 } };
  } finally {
    await pool.closeClients().catch(() => undefined);
    await server.stop();
  }
}

export function renderAuth(results: AuthResult[]): string {
  const out: string[] = [];
  const login = results.find((r) => r.login)?.login;
  if (login) {
    out.push(
      table(
        ['auth-login', 'users', 'logins/s', 'CPU ms/login', 'logins/core-s', 'refused'],
        [
          [
            'switchboard',
            String(login.users),
            f(login.loginsPerSec),
            f(login.serverCpuMsPerLogin, 2),
            f(login.loginsPerCoreSec),
            String(login.refused),
          ],
        ],
      ),
    );
  }
  const storm = results.find((r) => r.storm)?.storm;
  if (storm) {
    const row = (name: string, s: Wave): string[] => [
      name,
      `${s.ready}/${storm.clients}${s.failed ? ` F${s.failed}` : ''}`,
      f(s.readyMs, 0),
      f(s.cpuUsPerConn, 0),
    ];
    out.push(
      table(
        ['auth-storm', 'ready', 'ready ms', 'CPU µs/conn'],
        [row('token', storm.token), row('jwt (HS256)', storm.jwt)],
      ) +
        `\njwt/token CPU per connection: ${f(storm.jwt.cpuUsPerConn / Math.max(1, storm.token.cpuUsPerConn), 2)}x`,
    );
  }
  return out.join('\n\n');
}
