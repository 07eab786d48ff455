import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MemoryBlobStore } from '../../src/blob/memory.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/server/start-switchboard.js';
import { WsTestClient } from '../helpers/ws-client.js';
import {
  HTML_PAGE,
  SVG_WITH_SCRIPT,
  bombPng,
  gifJsPolyglot,
  png,
} from '../helpers/upload-fixtures.js';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function start(
  blobs: MemoryBlobStore,
  options: Record<string, unknown> = {},
): Promise<RunningSwitchboard> {
  return startSwitchboard(
    {
      port: 0,
      host: '127.0.0.1',
      store: 'memory:',
      web: false,
      logLevel: 'silent',
      shutdownTimeout: 500,
      ...options,
    },
    { blobs },
  );
}

describe('files over /api/v1/uploads and /api/v1/files', () => {
  let server: RunningSwitchboard;
  const blobs = new MemoryBlobStore();
  const clients: WsTestClient[] = [];
  before(async () => {
    server = await start(blobs);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  async function guest(handle: string): Promise<WsTestClient> {
    const c = await WsTestClient.connect(server.wsUrl);
    clients.push(c);
    await c.hello({ handle });
    return c;
  }

  async function upload(
    token: string | null,
    body: Buffer,
    query: string,
    type = 'application/octet-stream',
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': type };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(`${server.url}/api/v1/uploads?${query}`, {
      method: 'POST',
      headers,
      body: new Uint8Array(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
  }

  async function link(token: string, id: string): Promise<Answer> {
    const res = await fetch(`${server.url}/api/v1/uploads/${id}/link`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
  }

  const get = (path: string) => fetch(`${server.url}${path}`);

  test('stores a PNG typed from its bytes (not the declared type), with dimensions and a sanitised name', async () => {
    const ann = await guest('ann');
    const r = await upload(
      ann.token,
      await png(40, 30),
      'channel=room:general&name=..%2F..%2Fetc%2Fpasswd',
      'text/html',
    );
    assert.equal(r.status, 201);
    assert.deepEqual(
      { ...r.body, id: undefined },
      {
        id: undefined,
        name: 'passwd',
        type: 'image/png',
        size: r.body.size,
        width: 40,
        height: 30,
      },
    );
    assert.match(String(r.body.id), /^[A-Za-z0-9_-]{22}$/);
  });

  test('answers an upload, its link and its file as /api/v1/openapi.json documents them', async () => {
    type Op = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
    const doc = (await (await get('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    const schema = (path: string, method: string, status: string) =>
      doc.paths[path]![method]!.responses[status]!.content!;
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const ann = await guest('ann0');
    const r = await upload(ann.token, await png(40, 30), 'channel=room:general&name=a.png');
    const uploaded = ajv.compile(schema('/uploads', 'post', '201')['application/json']!.schema);
    assert.ok(uploaded(r.body), ajv.errorsText(uploaded.errors));
    const l = await link(ann.token, String(r.body.id));
    const linked = ajv.compile(
      schema('/uploads/{id}/link', 'get', '200')['application/json']!.schema,
    );
    assert.ok(linked(l.body), ajv.errorsText(linked.errors));
    assert.ok(schema('/files/{id}', 'get', '200')['*/*'], 'a file of any type');
    const file = await get(String(l.body.url));
    assert.equal(file.headers.get('content-type'), 'image/png');
    await file.arrayBuffer();
  });

  test('answers 401 SB_ERR_NOT_AUTHENTICATED without a token and stores nothing', async () => {
    const before = await blobs.usage();
    const r = await upload(null, Buffer.from('hello'), 'channel=room:general&name=a.txt');
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'SB_ERR_NOT_AUTHENTICATED');
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(await blobs.usage(), before);
  });

  test('answers a non-member exactly as for an unknown room, and stores nothing', async () => {
    const ann = await guest('ann2');
    const bob = await guest('bob2');
    await ann.call({ type: 'create', room: 'secret' });
    await bob.call({ type: 'leave', room: 'general' });
    const before = await blobs.usage();
    const stranger = await upload(bob.token, Buffer.from('x'), 'channel=room:secret&name=a');
    const unknown = await upload(bob.token, Buffer.from('x'), 'channel=room:nowhere&name=a');
    const publicRoom = await upload(bob.token, Buffer.from('x'), 'channel=room:general&name=a');
    for (const r of [stranger, unknown, publicRoom]) {
      assert.equal(r.status, 404);
      assert.equal(r.body.code, 'SB_ERR_ROOM_NOT_FOUND');
    }
    const dm = await upload(bob.token, Buffer.from('x'), 'channel=dm:ann2:carl&name=a');
    assert.equal(dm.body.code, 'SB_ERR_CHANNEL_INVALID');
    assert.deepEqual(await blobs.usage(), before);
  });

  test('refuses an HTML page whatever its name or declared type with 415 SB_ERR_UPLOAD_TYPE, keeping nothing', async () => {
    const ann = await guest('ann3');
    const before = await blobs.usage();
    const r = await upload(ann.token, HTML_PAGE, 'channel=room:general&name=cat.png', 'image/png');
    assert.equal(r.status, 415);
    assert.equal(r.body.code, 'SB_ERR_UPLOAD_TYPE');
    assert.deepEqual(await blobs.usage(), before);
  });

  test('refuses a decompression-bomb PNG with 422 SB_ERR_UPLOAD_IMAGE_TOO_LARGE and keeps serving', async () => {
    const ann = await guest('ann4');
    const before = await blobs.usage();
    const r = await upload(ann.token, bombPng(), 'channel=room:general&name=bomb.png');
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'SB_ERR_UPLOAD_IMAGE_TOO_LARGE');
    assert.deepEqual(await blobs.usage(), before);
    const next = await upload(ann.token, await png(), 'channel=room:general&name=ok.png');
    assert.equal(next.status, 201);
  });

  test('serves an SVG with script only as an attachment, sandboxed and never sniffed', async () => {
    const ann = await guest('ann5');
    const r = await upload(
      ann.token,
      SVG_WITH_SCRIPT,
      'channel=room:general&name=x.svg',
      'image/svg+xml',
    );
    assert.equal(r.status, 201);
    assert.equal(r.body.type, 'image/svg+xml');
    const l = await link(ann.token, String(r.body.id));
    const file = await get(String(l.body.url));
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    assert.match(
      file.headers.get('content-security-policy') ?? '',
      /^sandbox;.*default-src 'none'/,
    );
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), SVG_WITH_SCRIPT);
  });

  test('types polyglots by their image header and serves them with nosniff and a sandbox', async () => {
    const ann = await guest('ann6');
    const gif = await upload(
      ann.token,
      gifJsPolyglot(),
      'channel=room:general&name=x.js',
      'text/javascript',
    );
    assert.equal(gif.body.type, 'image/gif');
    const pngHtml = Buffer.concat([await png(), HTML_PAGE]);
    const p = await upload(ann.token, pngHtml, 'channel=room:general&name=x.html', 'text/html');
    assert.equal(p.status, 201);
    assert.equal(p.body.type, 'image/png');
    for (const id of [gif.body.id, p.body.id]) {
      const file = await get(String((await link(ann.token, String(id))).body.url));
      assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
      assert.match(file.headers.get('content-security-policy') ?? '', /^sandbox/);
      assert.match(file.headers.get('content-type') ?? '', /^image\/(gif|png)$/);
      await file.arrayBuffer();
    }
  });

  test('a sent file reaches members live, in history and on resume; a member gets links, a stranger or a leaver does not', async () => {
    const ann = await guest('ann7');
    const bob = await guest('bob7');
    const carl = await guest('carl7');
    await ann.call({ type: 'create', room: 'pics' });
    await bob.call({ type: 'join', room: 'pics' });
    const up = await upload(ann.token, await png(640, 480), 'channel=room:pics&name=cat.png');
    const id = String(up.body.id);
    assert.equal(
      (await link(bob.token, id)).body.code,
      'SB_ERR_FILE_NOT_FOUND',
      'not sent yet: the owner only',
    );
    await ann.call({ type: 'send', room: 'pics', text: 'look', cid: 'c1', attachments: [id] });
    const live = await bob.waitFor((f) => f.type === 'message' && f.cid === 'c1');
    const attachment = {
      id,
      name: 'cat.png',
      type: 'image/png',
      size: up.body.size,
      width: 640,
      height: 480,
      thumb: true,
    };
    assert.deepEqual(live.attachments, [attachment]);
    const history = await bob.call<{ messages: Record<string, unknown>[] }>({
      type: 'history',
      channel: 'room:pics',
    });
    assert.deepEqual(history.messages.at(-1)?.attachments, [attachment]);
    const again = await WsTestClient.connect(server.wsUrl);
    clients.push(again);
    await again.hello({ token: ann.token, resume: [{ channel: 'room:pics', after: 0 }] });
    const replayed = await again.waitFor((f) => f.type === 'message' && f.cid === 'c1');
    assert.deepEqual(replayed.attachments, [attachment], 'on resume');

    const l = await link(bob.token, id);
    assert.equal(l.status, 200);
    assert.ok(Number(l.body.expires) > Date.now());
    const file = await get(String(l.body.url));
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition') ?? '', /^inline;/);
    assert.equal((await file.arrayBuffer()).byteLength, up.body.size);
    const thumb = await get(String(l.body.thumbUrl));
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    await thumb.arrayBuffer();

    assert.equal((await link(carl.token, id)).body.code, 'SB_ERR_FILE_NOT_FOUND', 'not a member');
    await bob.call({ type: 'leave', room: 'pics' });
    assert.equal((await link(bob.token, id)).body.code, 'SB_ERR_FILE_NOT_FOUND', 'left the room');
  });

  test('refuses a tampered link with 403 SB_ERR_FILE_LINK_INVALID', async () => {
    const ann = await guest('ann8');
    const up = await upload(ann.token, Buffer.from('some text'), 'channel=room:general&name=a.txt');
    assert.equal(up.body.type, 'text/plain');
    const url = String((await link(ann.token, String(up.body.id))).body.url);
    const tampered = url.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
    const later = url.replace(/exp=(\d+)/, (_, e: string) => `exp=${Number(e) + 3_600_000}`);
    const other = url.replace(String(up.body.id), 'AAAAAAAAAAAAAAAAAAAAAA');
    for (const u of [tampered, later, other, url.split('?')[0]!]) {
      const r = await get(u);
      assert.equal(r.status, 403);
      assert.equal(((await r.json()) as Answer['body']).code, 'SB_ERR_FILE_LINK_INVALID');
    }
  });

  test('send refuses attachments that are not the sender own unsent uploads to that channel', async () => {
    const ann = await guest('ann9');
    const bob = await guest('bob9');
    const mine = String(
      (await upload(ann.token, Buffer.from('a'), 'channel=room:general&name=a')).body.id,
    );
    const bobs = String(
      (await upload(bob.token, Buffer.from('b'), 'channel=room:general&name=b')).body.id,
    );
    await ann.call({ type: 'create', room: 'other9' });
    const elsewhere = String(
      (await upload(ann.token, Buffer.from('c'), 'channel=room:other9&name=c')).body.id,
    );
    const send = (attachments: string[], cid: string) =>
      ann.request({ type: 'send', room: 'general', text: '', cid, attachments });
    assert.equal((await send([bobs], 'x1')).code, 'SB_ERR_ATTACHMENT_INVALID');
    assert.equal((await send([elsewhere], 'x2')).code, 'SB_ERR_ATTACHMENT_INVALID');
    assert.equal((await send(['nope'], 'x3')).code, 'SB_ERR_ATTACHMENT_INVALID');
    assert.equal((await send([mine], 'x4')).type, 'reply', 'a file with no text');
    assert.equal((await send([mine], 'x5')).code, 'SB_ERR_ATTACHMENT_INVALID', 'already sent');
    const tooMany = Array.from({ length: 11 }, () => mine);
    assert.equal((await send(tooMany, 'x6')).code, 'SB_ERR_BAD_FRAME');
  });

  test('deleting a message erases its files: links answer 404 and the blobs are gone', async () => {
    const ann = await guest('ann10');
    const up = await upload(ann.token, await png(), 'channel=room:general&name=gone.png');
    const id = String(up.body.id);
    const sent = await ann.call<{ message: { seq: number } }>({
      type: 'send',
      room: 'general',
      text: 'soon gone',
      cid: 'd1',
      attachments: [id],
    });
    const url = String((await link(ann.token, id)).body.url);
    const before = await blobs.usage();
    await ann.call({ type: 'delete', channel: 'room:general', seq: sent.message.seq });
    const after = await blobs.usage();
    assert.equal(before.blobs - after.blobs, 2, 'the file and its thumbnail');
    assert.equal((await get(url)).status, 404);
    assert.equal(await blobs.get(id), null);
    assert.equal((await link(ann.token, id)).body.code, 'SB_ERR_FILE_NOT_FOUND');
  });
});

describe('upload limits', () => {
  let server: RunningSwitchboard;
  const blobs = new MemoryBlobStore();
  let token = '';
  let client: WsTestClient;
  before(async () => {
    server = await start(blobs, { uploadMaxBytes: 1000, uploadQuotaBytes: 2500 });
    client = await WsTestClient.connect(server.wsUrl);
    await client.hello({ handle: 'ann' });
    token = client.token;
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  const post = async (body: BodyInit, extra: RequestInit = {}) => {
    const res = await fetch(`${server.url}/api/v1/uploads?channel=room:general&name=a.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
      ...extra,
    });
    return { status: res.status, code: ((await res.json()) as { code?: string }).code };
  };

  test('refuses a body over --upload-max-bytes with 413 SB_ERR_UPLOAD_TOO_LARGE, declared or streamed, keeping nothing', async () => {
    assert.deepEqual(await post(Buffer.alloc(1001)), {
      status: 413,
      code: 'SB_ERR_UPLOAD_TOO_LARGE',
    });
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    assert.deepEqual(await post(chunked, { duplex: 'half' } as RequestInit), {
      status: 413,
      code: 'SB_ERR_UPLOAD_TOO_LARGE',
    });
    assert.deepEqual(await blobs.usage(), { blobs: 0, bytes: 0 });
    assert.equal((await post(Buffer.alloc(1000))).status, 201, 'exactly the limit');
  });

  test('refuses an upload past the quota with 413 SB_ERR_UPLOAD_QUOTA', async () => {
    assert.equal((await post(Buffer.alloc(1000))).status, 201);
    assert.deepEqual(await post(Buffer.alloc(600)), { status: 413, code: 'SB_ERR_UPLOAD_QUOTA' });
  });
});
