/**
 * The admin console at /admin in a real headless Chromium against a real server: a server admin
 * signs in, sees the accounts and disables one (the API then lists it disabled); rooms (an
 * archived one listed apart and unarchived), presence, reports, keys, webhooks (with their
 * delivery history), the audit log, health and charts (a p99 latency and deliveries after socket
 * sends) render; an account that is not a server admin is refused, and the page says so. Every
 * view is axe-clean.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WsTestClient } from '../helpers/ws-client.js';
import { axeSerious, describeBrowser, type User } from './helpers.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const PASSWORD = 'correct horse battery';
/** Nothing listens there: deliveries fail, which the console shows. */
const HOOK_URL = 'http://127.0.0.1:9/hook';

async function grantAdmin(dataDir: string, handle: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'admin', 'grant', handle, '--data-dir', dataDir],
    { stdio: 'ignore' },
  );
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, 'switchboard admin grant');
}

async function openConsole(browser: Browser, url: string, handle: string): Promise<User> {
  // bypassCSP: only so axe (an inline script) can be injected; the page itself needs none.
  const context = await browser.newContext({
    viewport: { width: 1200, height: 800 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${url}/admin`);
  await page.getByTestId('admin-login').waitFor({ state: 'visible' });
  await page.getByTestId('admin-handle').fill(handle);
  await page.getByTestId('admin-password').fill(PASSWORD);
  await page.getByTestId('admin-signin').click();
  return { handle, context, page, errors };
}

async function noSeriousAxe(page: Page, where: string): Promise<void> {
  assert.deepEqual(await axeSerious(page), [], `axe: ${where}`);
}

describeBrowser(
  'admin console',
  (env) => {
    const register = async (handle: string): Promise<string> => {
      const res = await fetch(`${env.server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle, password: PASSWORD }),
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { token: string }).token;
    };
    let bossToken = '';
    let victimToken = '';
    let reportedSeq = 0;
    before(async () => {
      bossToken = await register('boss');
      victimToken = await register('victim');
      await register('nobody');
      await grantAdmin(env.server.dataDir, 'boss');
      const hook = await fetch(`${env.server.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bossToken}` },
        body: JSON.stringify({ url: HOOK_URL, from: 0 }),
      });
      assert.equal(hook.status, 201);
      const posted = await fetch(`${env.server.url}/api/v1/rooms/general/messages?as=nobody`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bossToken}` },
        body: JSON.stringify({ text: 'buy cheap watches' }),
      });
      assert.equal(posted.status, 201);
      const { message } = (await posted.json()) as { message: { seq: number } };
      reportedSeq = message.seq;
      const reporter = await WsTestClient.connect(env.server.wsUrl);
      // In general while the sends below happen: each is a delivery to it.
      const listener = await WsTestClient.connect(env.server.wsUrl);
      try {
        await reporter.hello({ token: victimToken });
        await listener.hello({ token: bossToken });
        const r = await reporter.request({
          type: 'report',
          channel: 'room:general',
          seq: message.seq,
          reason: 'spam',
        });
        assert.equal(r.type, 'reply');
        // Socket sends: what the send latency histogram (the p99 chart) records.
        for (let i = 0; i < 5; i++)
          await reporter.call({
            type: 'send',
            room: 'general',
            text: `traffic ${i}`,
            cid: `t${i}`,
          });
        await listener.waitFor((f) => f.type === 'message' && f.text === 'traffic 4');
      } finally {
        reporter.close();
        listener.close();
      }
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${env.server.url}/api/v1${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${bossToken}`,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      assert.equal((await api('POST', '/rooms', { room: 'old-news' })).status, 201);
      assert.equal((await api('POST', '/rooms/old-news/archive')).status, 204);
    });

    it('is served at /admin with the page CSP', async () => {
      const res = await fetch(`${env.server.url}/admin`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    });

    it('lets a server admin see the users and disable one', async () => {
      const boss = await openConsole(env.browser, env.server.url, 'boss');
      env.users.push(boss);
      const { page } = boss;
      await page.getByTestId('admin-console').waitFor({ state: 'visible' });
      assert.equal(await page.getByTestId('admin-me').textContent(), 'boss');
      const row = page.getByTestId('user-table-row').filter({ hasText: 'victim' });
      await row.waitFor();
      assert.deepEqual(
        await page.getByTestId('user-table-row').locator('td:first-child').allTextContents(),
        ['boss', 'nobody', 'victim'],
      );
      await noSeriousAxe(page, 'users');
      assert.equal(await row.getByTestId('user-state').textContent(), 'active');
      await row.getByTestId('user-disable').click();
      await page
        .getByTestId('user-table-row')
        .filter({ hasText: 'victim' })
        .getByTestId('user-enable')
        .waitFor();
      assert.equal(
        await page
          .getByTestId('user-table-row')
          .filter({ hasText: 'victim' })
          .getByTestId('user-state')
          .textContent(),
        'disabled',
      );
      const res = await fetch(`${env.server.url}/api/v1/users/victim`, {
        headers: { authorization: `Bearer ${bossToken}` },
      });
      assert.equal(((await res.json()) as { disabled: boolean }).disabled, true);
    });

    it('shows rooms with members, presence, a report acted on, API keys (a new key once), webhooks paused and replayed, the audit log, health and charts', async () => {
      const boss = await openConsole(env.browser, env.server.url, 'boss');
      env.users.push(boss);
      const { page } = boss;
      await page.getByTestId('admin-console').waitFor({ state: 'visible' });

      await page.getByTestId('tab-rooms').click();
      const general = page.getByTestId('room-table-row').filter({ hasText: 'general' });
      await general.getByTestId('room-members-open').click();
      await page.getByTestId('member-table').waitFor();
      // The archived room is listed apart (GET /rooms lists open rooms only), and unarchived.
      const archived = page.getByTestId('archived-room-table-row');
      assert.deepEqual(await archived.locator('td:first-child').allTextContents(), ['old-news']);
      assert.equal(
        await page.getByTestId('room-table-row').filter({ hasText: 'old-news' }).count(),
        0,
      );
      await noSeriousAxe(page, 'rooms');
      await archived.getByTestId('room-unarchive').click();
      await page.getByTestId('room-table-row').filter({ hasText: 'old-news' }).waitFor();
      assert.equal(await archived.count(), 0);
      const open = await fetch(`${env.server.url}/api/v1/rooms`, {
        headers: { authorization: `Bearer ${bossToken}` },
      });
      const openRooms = ((await open.json()) as { rooms: { room: string }[] }).rooms;
      assert.ok(
        openRooms.some((r) => r.room === 'old-news'),
        'unarchived for the API too',
      );

      await page.getByTestId('tab-presence').click();
      await page.getByTestId('node-table-row').first().waitFor();
      await noSeriousAxe(page, 'presence');

      await page.getByTestId('tab-reports').click();
      const report = page.getByTestId('report-table-row').filter({ hasText: 'spam' });
      await report.waitFor();
      assert.deepEqual((await report.locator('td').allTextContents()).slice(1, 6), [
        'room:general',
        String(reportedSeq),
        'nobody',
        'victim',
        'spam',
      ]);
      await noSeriousAxe(page, 'reports');
      assert.equal(await report.getByTestId('report-state').textContent(), 'open');
      await report.getByTestId('report-delete').click();
      await page.getByText(`Message ${reportedSeq} in general deleted.`).waitFor();
      // Resolved, it leaves the open queue; the whole list shows who resolved it.
      await report.getByTestId('report-resolve').click();
      await page.getByText(/^Report \d+ resolved\.$/).waitFor();
      await report.waitFor({ state: 'detached' });
      await page.getByTestId('report-filter').selectOption('all');
      const closed = page.getByTestId('report-table-row').filter({ hasText: 'spam' });
      await closed
        .getByTestId('report-state')
        .getByText(/^resolved by boss /)
        .waitFor();
      assert.equal(await closed.getByTestId('report-resolve').count(), 0, 'closed: no action');
      await noSeriousAxe(page, 'reports, all');

      await page.getByTestId('tab-keys').click();
      await page.getByTestId('key-table').waitFor();
      await page.getByTestId('key-name').fill('backend');
      await page.locator('[data-scope="rooms:read"]').check();
      await page.getByTestId('key-create').click();
      const secret = await page.getByTestId('key-secret').textContent();
      assert.match(secret ?? '', /^sbk_/);
      await page.getByTestId('key-table-row').filter({ hasText: 'backend' }).waitFor();
      const rooms = await fetch(`${env.server.url}/api/v1/rooms`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(rooms.status, 200, 'the key shown works');
      await noSeriousAxe(page, 'keys');

      await page.getByTestId('tab-webhooks').click();
      const hook = page.getByTestId('webhook-table-row').filter({ hasText: HOOK_URL });
      await hook.getByTestId('webhook-pause').click();
      await page
        .getByTestId('webhook-table-row')
        .filter({ hasText: HOOK_URL })
        .getByTestId('webhook-resume')
        .waitFor();
      assert.equal(await hook.getByTestId('webhook-state').textContent(), 'paused');
      await noSeriousAxe(page, 'webhooks');
      await hook.getByTestId('webhook-replay-from').fill('1');
      await hook.getByTestId('webhook-replay').click();
      await page
        .getByTestId('webhook-table-row')
        .filter({ hasText: HOOK_URL })
        .getByTestId('webhook-pause')
        .waitFor();
      const listed = await fetch(`${env.server.url}/api/v1/webhooks`, {
        headers: { authorization: `Bearer ${bossToken}` },
      });
      const [w] = ((await listed.json()) as { webhooks: { state: string }[] }).webhooks;
      assert.equal(w!.state, 'active', 'replay makes the subscription active again');
      // Nothing listens on port 9: the history shows the refused connections' code.
      await hook.getByTestId('webhook-show-history').click();
      const answer = page
        .getByTestId('webhook-deliveries-row')
        .first()
        .getByTestId('webhook-delivery-answer');
      await answer.waitFor();
      assert.match((await answer.textContent()) ?? '', /^SB_ERR_FETCH_/);
      await noSeriousAxe(page, 'webhook history');

      await page.getByTestId('tab-audit').click();
      await page.getByTestId('audit-table-row').first().waitFor();
      await noSeriousAxe(page, 'audit');

      await page.getByTestId('tab-health').click();
      await page.getByTestId('charts').waitFor();
      assert.deepEqual(await page.getByTestId('health-table-row').locator('td').allTextContents(), [
        'Bus',
        'ok',
        'Store',
        'ok',
        'Draining',
        'no',
      ]);
      assert.equal(await page.locator('[data-testid="charts"] figure svg').count(), 8);
      // The sends of before() fall in the interval of the first sample after them (every 10 s):
      // reopen the tab until that sample is in.
      const p99 = page.getByTestId('chart-latencyP99Ms');
      const deadline = Date.now() + 25_000;
      while (Number(await p99.getAttribute('data-peak')) <= 0) {
        assert.ok(Date.now() < deadline, 'a p99 latency sample after the sends');
        await new Promise((r) => setTimeout(r, 1000));
        await page.getByTestId('tab-health').click();
        await page.getByTestId('charts').waitFor();
      }
      assert.match(
        (await p99.locator('figcaption').textContent()) ?? '',
        /^p99 latency \(ms\): latest [\d.]+, peak [\d.]+, \d+ samples$/,
      );
      assert.ok(Number(await p99.getAttribute('data-peak')) < 2500, 'a real latency, in ms');
      assert.equal(await p99.locator('polyline').count(), 1, 'drawn');
      const deliveries = page.getByTestId('chart-deliveriesPerSec');
      assert.ok(Number(await deliveries.getAttribute('data-peak')) > 0, 'deliveries to listener');
      // The server's store is SQLite: the sends' commits are in the same sample.
      const commits = page.getByTestId('chart-commitP99Ms');
      const commitPeak = Number(await commits.getAttribute('data-peak'));
      assert.ok(commitPeak > 0 && commitPeak < 2500, `a SQLite commit p99 in ms: ${commitPeak}`);
      await noSeriousAxe(page, 'health');
    });

    it('refuses an account that is not a server admin, and says so', async () => {
      const nobody = await openConsole(env.browser, env.server.url, 'nobody');
      env.users.push(nobody);
      const { page } = nobody;
      await page.getByTestId('admin-refused').waitFor({ state: 'visible' });
      assert.equal(await page.getByTestId('admin-console').isVisible(), false);
      assert.equal(await page.getByTestId('user-table').count(), 0);
      await noSeriousAxe(page, 'refused');
    });
  },
  ['--webhooks', '--webhook-allow', '127.0.0.1'],
);
