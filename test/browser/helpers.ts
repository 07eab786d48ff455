/**
 * Helpers for the browser tests: a real headless Chromium (playwright-core, system binary)
 * driving the chat page served by a real server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { WebSocket as WsClient } from 'ws';
import { startServer, type ServerHandle } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const ROOT = resolve(import.meta.dirname, '../..');

/** Builds dist/web, which the server serves at "/". */
export function buildWeb(): void {
  const r = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-web failed:\n${r.stdout}\n${r.stderr}`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Runs in the page before its scripts: keeps every WebSocket so a test can cut it. A string,
 * not a function, so nothing the TypeScript loader adds to functions reaches the page.
 */
const TRACK_SOCKETS = `(() => {
  const Native = window.WebSocket;
  const sockets = [];
  window.__sbSockets = sockets;
  window.WebSocket = class extends Native {
    constructor(url, protocols) { super(url, protocols); sockets.push(this); }
  };
})();`;

export interface User {
  handle: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page. */
  errors: Error[];
}

export async function openUser(
  browser: Browser,
  baseUrl: string,
  handle: string,
  viewport = { width: 1200, height: 800 },
  options: BrowserContextOptions = {},
): Promise<User> {
  const context = await browser.newContext({ viewport, ...options });
  await context.addInitScript(TRACK_SOCKETS);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(baseUrl);
  await login(page, handle);
  return { handle, context, page, errors };
}

export async function login(page: Page, handle: string): Promise<void> {
  await page.getByTestId('handle-input').fill(handle);
  await page.getByTestId('handle-submit').click();
  await page.getByTestId('app').waitFor({ state: 'visible' });
  await waitForState(page, 'online');
  await page.locator('[data-testid="message-list"]').waitFor({ state: 'attached' });
}

export async function waitForState(page: Page, ...states: string[]): Promise<string> {
  const handle = await page.waitForFunction(
    (wanted) => {
      const s = document.querySelector<HTMLElement>('[data-testid="conn-state"]')?.dataset.state;
      return s && wanted.includes(s) ? s : null;
    },
    states,
    { timeout: 20_000 },
  );
  return (await handle.jsonValue()) as string;
}

/** Opens a room from the sidebar (via the drawer on a phone). */
export async function openRoom(page: Page, room: string): Promise<void> {
  const menu = page.getByTestId('menu-toggle');
  if (await menu.isVisible()) await menu.click();
  await page.locator(`[data-testid="room-item"][data-name="${room}"]`).click();
  await page.waitForFunction(
    (ch) =>
      document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel === ch,
    `room:${room}`,
  );
}

/** Joins (or creates) a room through the sidebar form and opens it. */
export async function joinRoom(page: Page, room: string): Promise<void> {
  const menu = page.getByTestId('menu-toggle');
  if (await menu.isVisible()) await menu.click();
  await page.getByTestId('room-input').fill(room);
  await page.getByTestId('room-submit').click();
  await page.waitForFunction(
    (ch) =>
      document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel === ch,
    `room:${room}`,
  );
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

/** Texts of the messages shown in the open channel, in display order. */
export function texts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="message"] [data-testid="message-text"]').allTextContents();
}

export function seqs(page: Page): Promise<number[]> {
  return page
    .locator('[data-testid="message"]')
    .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
}

export async function waitForText(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (t) =>
      Array.from(document.querySelectorAll('[data-testid="message-text"]')).some(
        (e) => e.textContent === t,
      ),
    text,
    { timeout: 15_000 },
  );
}

/** The unread badge of a sidebar item ("" when none). */
export async function badgeOf(
  page: Page,
  testId: 'room-item' | 'dm-item',
  name: string,
): Promise<string> {
  const b = page.locator(`[data-testid="${testId}"][data-name="${name}"] [data-testid="unread"]`);
  return (await b.count()) ? ((await b.textContent()) ?? '') : '';
}

export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Closes the page's WebSockets abruptly, as a network drop would. */
export async function cutSockets(page: Page): Promise<void> {
  await page.evaluate(() => {
    const sockets = (window as unknown as { __sbSockets: { close(): void }[] }).__sbSockets;
    for (const s of sockets) s.close();
  });
}

/**
 * A raw protocol client (the `ws` library, no SDK) for seeding many messages quickly.
 * Sends one frame at a time and waits for its reply.
 */
export async function rawSeeder(wsUrl: string, handle: string) {
  const ws = new WsClient(wsUrl);
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  let next = 1;
  const waiting = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  ws.on('message', (data) => {
    for (const line of (data as Buffer).toString().split('\n')) {
      const f = JSON.parse(line) as { type: string; id?: number; data?: unknown; code?: string };
      if (f.type === 'ping') ws.send('{"type":"pong"}');
      const w = f.id === undefined ? undefined : waiting.get(f.id);
      if (!w) continue;
      waiting.delete(f.id!);
      if (f.type === 'reply') w.res(f.data);
      else if (f.type === 'error') w.rej(Object.assign(new Error(f.code), f));
    }
  });
  const call = (frame: Record<string, unknown>) =>
    new Promise<unknown>((res, rej) => {
      const id = next++;
      waiting.set(id, { res, rej });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  await call({ type: 'hello', protocol: 1, handle, presence: false });
  /** Retries a rate-limited frame after the server's retryAfter (default rate: 20/s). */
  const paced = async (frame: Record<string, unknown>): Promise<unknown> => {
    for (;;) {
      try {
        return await call(frame);
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code !== 'SB_ERR_RATE_LIMITED') throw err;
        await new Promise((r) => setTimeout(r, e.retryAfter ?? 100));
      }
    }
  };
  return {
    call: paced,
    sendToRoom: (room: string, text: string) =>
      paced({ type: 'send', room, text, cid: `seed-${room}-${text}` }),
    close: () => ws.close(),
  };
}

const AXE = join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns its serious and critical violations. The page's CSP
 * forbids inline scripts: open the context with `bypassCSP: true`.
 */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    type Result = {
      id: string;
      impact: string | null;
      nodes: { target: unknown[]; failureSummary?: string }[];
    };
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Result[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** What a browser suite shares: set in its `before`, closed in its `after`. */
export interface BrowserEnv {
  server: ServerHandle;
  browser: Browser;
  /** Users whose pages must end the suite without an uncaught exception. */
  users: User[];
}

/** openUser on the suite's server, its page errors checked when the suite ends. */
export async function openTracked(
  env: BrowserEnv,
  handle: string,
  viewport?: { width: number; height: number },
  options?: BrowserContextOptions,
): Promise<User> {
  const u = await openUser(env.browser, env.server.url, handle, viewport, options);
  env.users.push(u);
  return u;
}

/**
 * A describe() for the page: builds dist/web, starts a server and Chromium before `body`'s own
 * hooks and tests, and closes them after, failing on page errors of `env.users`. Without
 * Chromium it is a visible skip, or a failure under CI=true.
 */
export function describeBrowser(
  name: string,
  body: (env: BrowserEnv) => void,
  /** Extra `serve` flags for the suite's server. */
  serverArgs: string[] = [],
): void {
  if (!hasChromium && process.env.CI === 'true') {
    it('needs /usr/bin/chromium under CI', () => {
      assert.fail('chromium not installed at /usr/bin/chromium');
    });
  }
  describe(name, { skip: hasChromium ? false : 'chromium not installed' }, () => {
    const env = { users: [] as User[] } as BrowserEnv;
    before(async () => {
      buildWeb();
      env.server = await startServer({ args: serverArgs });
      env.browser = await launchBrowser();
    });
    after(async () => {
      for (const u of env.users) assert.deepEqual(u.errors, [], `page errors for ${u.handle}`);
      await env.browser?.close();
      await env.server?.dispose();
    });
    body(env);
  });
}
