/** `switchboard chat` driven as a child process against a real server. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { roomSettings, setArchived } from '../../src/client/moderation.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { handle, makeClient, until, waitFor } from './helpers.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

interface Chat {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  write(line: string): void;
}

function chat(args: string[]): Chat {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'chat', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_URL: '', SWITCHBOARD_HANDLE: '' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited, write: (line) => child.stdin.write(`${line}\n`) };
}

let server: ServerHandle;
let dir: string;
const children: ChildProcess[] = [];
const clients: { close(): void }[] = [];

before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'sb-chat-'));
});
after(async () => {
  for (const c of clients) c.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('switchboard chat', () => {
  test('--help lists the options', async () => {
    const c = chat(['--help']);
    assert.equal(await c.exited, 0);
    for (const flag of ['--url', '--handle', '--room', '--token-file'])
      assert.ok(c.output().includes(flag), flag);
  });

  test('sends input lines to the room, prints incoming messages without escapes, and keeps the session', async () => {
    const me = handle('cli');
    const tokenFile = join(dir, `token-${me}`);
    const c = chat(['--url', server.wsUrl, '--handle', me, '--token-file', tokenFile]);
    children.push(c.child);
    await until(() => c.output().includes('talking in #general'), 20_000, 'chat ready');
    assert.ok(existsSync(tokenFile), 'token saved');

    const peer = makeClient({ url: server.wsUrl, handle: handle('peer') });
    clients.push(peer);
    await peer.connect();
    const got = waitFor(peer, 'message', (m) => m.from === me);
    c.write('hello from the terminal');
    assert.equal((await got).text, 'hello from the terminal');

    await peer.sendToRoom('general', 'hi \u001b[2J\u001b]0;pwned\u0007there\r');
    await until(
      () => c.output().includes(`[general] ${peer.user}: hi there`),
      5000,
      'incoming message printed',
    );
    assert.ok(!c.output().includes('\u001b'), 'no escape sequence reaches the terminal');

    const dm = waitFor(peer, 'message', (m) => m.channel.startsWith('dm:'));
    c.write(`/dm ${peer.user} secret`);
    assert.equal((await dm).text, 'secret');
    await peer.sendDm(me, 'back at you');
    await until(() => c.output().includes(`[dm ${peer.user}] back at you`), 5000, 'DM printed');

    c.write('/rooms');
    await until(() => c.output().includes('#general'), 5000, 'rooms listed');
    c.write('/quit');
    assert.equal(await c.exited, 0);

    // The saved token brings the same user back (claiming the held handle would fail).
    const again = chat(['--url', server.wsUrl, '--handle', me, '--token-file', tokenFile]);
    children.push(again.child);
    await until(
      () => again.output().includes(`connected as ${me}`),
      20_000,
      'reconnected as the same user',
    );
    again.write('/quit');
    assert.equal(await again.exited, 0);
  });

  test('prints the room\u2019s topic on join, and a line when it is archived or unarchived', async () => {
    const owner = makeClient({ url: server.wsUrl, handle: handle('own') });
    clients.push(owner);
    await owner.connect();
    const room = handle('den').replace(/[^a-z0-9_-]/g, '');
    await owner.createRoom(room);
    await roomSettings(owner, room, { topic: 'Plans \u001b[2Jfor Q3' });
    const c = chat(['--url', server.wsUrl, '--handle', handle('cli'), '--room', room]);
    children.push(c.child);
    await until(() => c.output().includes(`talking in #${room}`), 20_000, 'chat ready');
    await until(() => c.output().includes('* topic: Plans for Q3'), 5000, 'topic printed');
    await setArchived(owner, room);
    await until(
      () => c.output().includes(`* #${room} was archived: read-only`),
      5000,
      'archive printed',
    );
    await setArchived(owner, room, false);
    await until(() => c.output().includes(`* #${room} is open again`), 5000, 'unarchive printed');
    assert.ok(!c.output().includes('\u001b'), 'no escape sequence reaches the terminal');
    c.write('/quit');
    assert.equal(await c.exited, 0);
  });

  test('lines piped in before the end of input are delivered before the client exits', async () => {
    const me = handle('pipe');
    const peer = makeClient({ url: server.wsUrl, handle: handle('sink') });
    clients.push(peer);
    await peer.connect();
    const got = waitFor(peer, 'message', (m) => m.from === me && m.text === 'last words', 20_000);
    const c = chat([
      '--url',
      server.wsUrl,
      '--handle',
      me,
      '--token-file',
      join(dir, `token-${me}`),
    ]);
    children.push(c.child);
    c.child.stdin!.end('last words\n');
    await got;
    assert.equal(await c.exited, 0);
  });

  test('--register and --login take the password from stdin and come back as the account', async () => {
    const me = handle('acct');
    const args = (file: string, flag: string) => [
      '--url',
      server.wsUrl,
      '--handle',
      me,
      '--token-file',
      join(dir, file),
      flag,
    ];
    const reg = chat(args(`token-${me}`, '--register'));
    children.push(reg.child);
    reg.write('a long enough password');
    await until(() => reg.output().includes('talking in #general'), 20_000, 'registered');
    reg.write('/quit');
    assert.equal(await reg.exited, 0);

    const wrong = chat(args('token-wrong', '--login'));
    children.push(wrong.child);
    wrong.write('not the right password');
    assert.notEqual(await wrong.exited, 0);
    assert.match(wrong.output(), /SB_ERR_CREDENTIALS_INVALID/);
    assert.doesNotMatch(wrong.output(), /not the right/, 'the password is never printed');

    const peer = makeClient({ url: server.wsUrl, handle: handle('peer') });
    clients.push(peer);
    await peer.connect();
    const got = waitFor(peer, 'message', (m) => m.from === me);
    const login = chat(args('token-right', '--login'));
    children.push(login.child);
    login.write('a long enough password\nhello from the account');
    assert.equal((await got).text, 'hello from the account', 'the line after the password is chat');
    assert.ok(existsSync(join(dir, 'token-right')), 'token saved');
    login.write('/quit');
    assert.equal(await login.exited, 0);
  });
  test('--register on a terminal prompts for the password and does not echo it', async (t) => {
    // script(1) gives the chat a pseudo-terminal: stdin.isTTY, the prompt and raw mode.
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('script(1) not installed');
    const me = handle('tty');
    const command = [process.execPath, '--import', 'tsx', MAIN, 'chat', '--url', server.wsUrl]
      .concat(['--handle', me, '--token-file', join(dir, `token-${me}`), '--register'])
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHBOARD_URL: '', SWITCHBOARD_HANDLE: '' },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(() => out.includes(`Password for ${me}: `), 20_000, 'the prompt');
    child.stdin.write('a tty password\r');
    await until(() => out.includes('talking in #general'), 20_000, 'registered');
    assert.doesNotMatch(out, /a tty password/, 'the password is not echoed');
    child.stdin.write('/quit\r');
    assert.equal(await exited, 0);
  });

  test('/search prints hits with the matches bracketed, and /edit, /reply, /thread, /react and /delete act on #seq', async () => {
    const me = handle('srch');
    const peer = makeClient({ url: server.wsUrl, handle: handle('peer') });
    clients.push(peer);
    await peer.connect();
    const word = `kumquat${Date.now().toString(36)}`;
    await peer.sendToRoom('general', `a ${word} \u001b[2Jtree`);
    const c = chat(['--url', server.wsUrl, '--handle', me, '--token-file', join(dir, `t-${me}`)]);
    children.push(c.child);
    await until(() => c.output().includes('talking in #general'), 20_000, 'chat ready');

    c.write(`/search ${word}`);
    await until(
      () => new RegExp(`#\\d+ \\[general\\] ${peer.user}: a \\[${word}\\] tree`).test(c.output()),
      5000,
      'hit printed with its match bracketed',
    );

    const mine = waitFor(peer, 'message', (m) => m.from === me);
    c.write('first wording');
    const sent = await mine;
    await until(
      () => c.output().includes(`#${sent.seq} [general] ${me}: first wording`),
      5000,
      'seq shown',
    );
    const edited = waitFor(peer, 'edit', (e) => e.seq === sent.seq);
    c.write(`/edit #${sent.seq} second wording`);
    assert.equal((await edited).text, 'second wording');
    await until(
      () => c.output().includes(`(edited #${sent.seq}) second wording`),
      5000,
      'edit printed',
    );
    const replied = waitFor(peer, 'message', (m) => m.text === 'an answer');
    c.write(`/reply #${sent.seq} an answer`);
    assert.equal((await replied).replyTo, sent.seq);
    const threaded = waitFor(peer, 'message', (m) => m.text === 'in the thread');
    c.write(`/thread #${sent.seq} in the thread`);
    const inThread = await threaded;
    assert.equal(inThread.thread, sent.seq);
    c.write(`/thread ${sent.seq}`);
    await until(
      () =>
        c
          .output()
          .includes(`#${inThread.seq} [general] ${me}: (thread #${sent.seq}) in the thread`),
      5000,
      'thread shown',
    );
    await until(() => c.output().includes('(1 reply)'), 5000, 'root shows its reply count');
    const reacted = waitFor(peer, 'reaction', (e) => e.seq === sent.seq);
    c.write(`/react ${sent.seq} 👍`);
    assert.equal((await reacted).emoji, '👍');
    const deleted = waitFor(peer, 'delete', (e) => e.seq === sent.seq);
    c.write(`/delete ${sent.seq}`);
    assert.equal((await deleted).by, me);
    c.write(`/edit ${sent.seq} too late`);
    await until(() => c.output().includes('! SB_ERR_MESSAGE_NOT_FOUND'), 5000, 'refusal printed');
    assert.ok(!c.output().includes('\u001b'), 'no escape sequence reaches the terminal');
    c.write('/quit');
    assert.equal(await c.exited, 0);
  });
  test('marks mentions of me, shows them from other rooms, and /seen says who has read the newest', async () => {
    const me = handle('men');
    const peer = makeClient({ url: server.wsUrl, handle: handle('peer') });
    clients.push(peer);
    await peer.connect();
    const c = chat(['--url', server.wsUrl, '--handle', me, '--token-file', join(dir, `t-${me}`)]);
    children.push(c.child);
    await until(() => c.output().includes('talking in #general'), 20_000, 'chat ready');
    await peer.sendToRoom('general', `hey @${me} and @${peer.user}`);
    await until(
      () => c.output().includes(`${peer.user}: hey [@${me}] and @${peer.user}`),
      5000,
      'my mention bracketed, the other not',
    );
    const other = `side${Date.now().toString(36)}`;
    await peer.createRoom(other);
    c.write(`/join ${other}`);
    await until(() => c.output().includes(`now talking in #${other}`), 5000, 'joined');
    c.write('/switch general');
    await until(() => c.output().includes('now talking in #general'), 5000, 'back');
    await peer.sendToRoom(other, `over here @${me}`);
    await until(
      () => c.output().includes(`[${other}] ${peer.user}: over here [@${me}]`),
      5000,
      'shown',
    );
    const mine = waitFor(peer, 'message', (m) => m.from === me && m.text === 'mine');
    c.write('mine');
    const sent = await mine;
    await peer.markRead('room:general', sent.seq);
    c.write('/seen');
    await until(
      () => c.output().includes(`* seen #${sent.seq}: ${peer.user}`),
      5000,
      'seen by the peer',
    );
    c.write('/quit');
    assert.equal(await c.exited, 0);
  });

  test('/upload sends a file with text to the current channel and prints it with its name and size', async () => {
    const me = handle('upl');
    const peer = makeClient({ url: server.wsUrl, handle: handle('peer') });
    clients.push(peer);
    await peer.connect();
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'some notes\n');
    const c = chat(['--url', server.wsUrl, '--handle', me, '--token-file', join(dir, `t-${me}`)]);
    children.push(c.child);
    await until(() => c.output().includes('talking in #general'), 20_000, 'chat ready');
    const got = waitFor(peer, 'message', (m) => m.from === me);
    c.write(`/upload ${path} read these`);
    const m = await got;
    assert.equal(m.text, 'read these');
    assert.deepEqual(
      m.attachments?.map((a) => [a.name, a.type, a.size]),
      [['notes.txt', 'text/plain', 11]],
    );
    await until(
      () => c.output().includes(`${me}: read these [file notes.txt, 11 B]`),
      5000,
      'printed',
    );
    c.write(`/upload ${join(dir, 'missing.bin')}`);
    await until(() => c.output().includes('* cannot read'), 5000, 'missing file');
    c.write('/quit');
    assert.equal(await c.exited, 0);
  });
});
