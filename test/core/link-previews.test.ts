/**
 * Link previews over the wire, against a real page on loopback (let through by the allow-list):
 * a message with a link gets a `previews` event that every member receives live and a resume
 * replays, history shows the preview on the message, a delete erases it, and a link the address
 * policy refuses (or with previews off) adds nothing to the log.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { firstLink } from '../../src/core/commands/link-previews.js';
import { createLinkPreviewer } from '../../src/net/link-previewer.js';
import type { LinkPreview } from '../../src/protocol/link-preview.js';
import { TestClient, startNode, type Node } from './harness.js';
import { connect, fresh, must, rolesAuth } from './roles.js';

const PAGE = `<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="The &amp; Page">
<meta property="og:description" content="What it is about">
<meta property="og:site_name" content="Example">
<meta property="og:image" content="/cover.png">
</head><body><p>body</p></body></html>`;

let server: Server;
let base: string;
const nodes: Node[] = [];
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/plain') res.writeHead(200, { 'content-type': 'text/plain' }).end('x');
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const n of nodes) await n.stop();
  server.closeAllConnections();
  server.close();
});

/** A node whose previewer reports each answer, so a test can wait for "no preview" too. */
async function setup(allow: string[]) {
  const answers: (LinkPreview | null)[] = [];
  let notify = () => {};
  const fetcher = createLinkPreviewer({ allow });
  const node = await startNode({
    auth: rolesAuth,
    linkPreview: async (url) => {
      const p = await fetcher(url);
      answers.push(p);
      notify();
      return p;
    },
  });
  nodes.push(node);
  const answered = (n: number) =>
    new Promise<void>((resolve) => {
      notify = () => answers.length >= n && resolve();
      notify();
    });
  const ann = await connect(node, fresh('ann'));
  const bob = await connect(node, fresh('bob'));
  const room = fresh('r');
  await must(ann, { type: 'create', room });
  await must(bob, { type: 'join', room });
  return { node, ann, bob, room, channel: `room:${room}`, answered };
}

type Msg = Record<string, unknown>;
const historyOf = async (c: TestClient, channel: string): Promise<Msg[]> =>
  (await c.call<{ messages: Msg[] }>({ type: 'history', channel })).messages;

describe('link previews', () => {
  it('finds the first http(s) link of a text, without trailing punctuation', () => {
    assert.equal(firstLink('see https://example.com/a?b=1.'), 'https://example.com/a?b=1');
    assert.equal(
      firstLink('(https://en.wikipedia.org/wiki/Foo_(bar))'),
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    );
    assert.equal(firstLink('ftp://x.example and http://b.example/'), 'http://b.example/');
    assert.equal(firstLink('no link here'), null);
  });

  it('appends a preview event every member gets live, and history shows it', async () => {
    const s = await setup(['127.0.0.1']);
    await must(s.ann, { type: 'send', room: s.room, text: `look ${base}/page`, cid: 'm1' });
    const live = await s.bob.waitFor((f) => f.type === 'message' && f.previews === 1);
    const expected = {
      url: `${base}/page`,
      title: 'The & Page',
      description: 'What it is about',
      siteName: 'Example',
      image: `${base}/cover.png`,
    };
    assert.deepEqual(live.preview, expected);
    assert.equal(live.from, s.ann.user, 'from the author');
    await s.ann.waitFor((f) => f.type === 'message' && f.previews === 1);
    const [m] = await historyOf(s.bob, s.channel);
    assert.deepEqual(m!.preview, expected);

    const again = TestClient.connect(s.node);
    await again.hello({
      token: s.bob.user,
      presence: false,
      resume: [{ channel: s.channel, after: 0 }],
    });
    await again.waitFor((f) => f.type === 'synced' && f.channel === s.channel);
    assert.deepEqual(
      again.messages(s.channel).map((f) => [f.seq, f.previews ?? null]),
      [
        [1, null],
        [2, 1],
      ],
      'a resume replays the preview event',
    );

    await must(s.ann, { type: 'delete', channel: s.channel, seq: 1 });
    const [gone] = await historyOf(s.bob, s.channel);
    assert.equal(gone!.preview, undefined, 'a delete erases the preview');
  });

  it('adds nothing for a link the address policy refuses, or a page that is not HTML', async () => {
    const s = await setup([]);
    await must(s.ann, { type: 'send', room: s.room, text: `${base}/page`, cid: 'm1' });
    await s.answered(1);
    const t = await setup(['127.0.0.1']);
    await must(t.ann, { type: 'send', room: t.room, text: `${base}/plain`, cid: 'm1' });
    await t.answered(1);
    for (const x of [s, t]) {
      await must(x.ann, { type: 'send', room: x.room, text: 'next', cid: 'm2' });
      const next = await x.bob.waitFor((f) => f.type === 'message' && f.text === 'next');
      assert.equal(next.seq, 2, 'no preview event came between');
    }
  });

  it('fetches nothing with link previews off (the default)', async () => {
    const node = await startNode({ auth: rolesAuth });
    nodes.push(node);
    const ann = await connect(node, fresh('ann'));
    const room = fresh('r');
    await must(ann, { type: 'create', room });
    await must(ann, { type: 'send', room, text: `${base}/page`, cid: 'm1' });
    await must(ann, { type: 'send', room, text: 'next', cid: 'm2' });
    const page = await historyOf(ann, `room:${room}`);
    assert.deepEqual(
      page.map((m) => [m.seq, m.preview ?? null]),
      [
        [1, null],
        [2, null],
      ],
    );
  });
});
