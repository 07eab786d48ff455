/**
 * GET /api/v1/rooms/{room}/presence in a room of 5,000 members (inserted through the store, to
 * stay fast; SQLite): the online count is the room's tally (src/core/room-tally.ts), the same number
 * the old read of every member gave, and the list of who is online is paged like the member
 * list. Once the room is active on the node, a call reads no member list at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.js';
import { WsTestClient } from '../helpers/ws-client.js';
import { startApiNode, type ApiFixture } from './api-fixture.js';

const MEMBERS = 5_000;
const handleOf = (i: number) => `m${String(i).padStart(5, '0')}`;

interface Presence {
  room: string;
  online: number;
  users: { user: string; connections: number }[];
  next?: string;
}

describe('a room\u2019s presence over HTTP in a room of 5,000 members', () => {
  let f: ApiFixture;
  let key: string;
  /** Whole member-list reads (ChannelStore.members) since the start. */
  let memberReads = 0;
  const sockets: WsTestClient[] = [];
  const tokens = new Map<string, string>();
  before(async () => {
    // SQLite: its membersPage reads one page off the (channel, user) key, as PostgreSQL's does
    // (the memory store's filters the whole list).
    f = await startApiNode({}, new SqliteStore(':memory:'));
    key = await f.key();
    const members = f.store.members.bind(f.store);
    f.store.members = (channel) => {
      if (channel === 'room:big') memberReads++;
      return members(channel);
    };
    assert.equal((await f.http.post('/rooms', { room: 'big' }, key)).status, 201);
    // Accounts first: a handle that is a member somewhere is taken.
    for (const user of [10, 2500, 3000, 4999].map(handleOf).concat('outsider'))
      tokens.set(user, await f.register(user));
    for (let i = 1; i <= MEMBERS; i++) await f.store.addMember('room:big', handleOf(i));
  });
  after(async () => {
    for (const s of sockets) s.close();
    await f.server.stop();
  });

  /** Connects registered `user` over the socket. */
  async function online(user: string): Promise<WsTestClient> {
    const token = tokens.get(user)!;
    const c = await WsTestClient.connect(f.server.wsUrl);
    await c.hello({ token });
    sockets.push(c);
    return c;
  }

  const presence = async (query = ''): Promise<Presence> => {
    const r = await f.http.call('GET', `/rooms/big/presence${query}`, undefined, key);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as Presence;
  };

  /** Every page, following `next`. */
  async function allPages(limit: number): Promise<{ pages: Presence[]; users: string[] }> {
    const pages: Presence[] = [];
    let after: string | undefined;
    do {
      const page = await presence(`?limit=${limit}${after ? `&after=${after}` : ''}`);
      pages.push(page);
      after = page.next;
    } while (after !== undefined && pages.length <= MEMBERS / limit + 1);
    return { pages, users: pages.flatMap((p) => p.users.map((u) => `${u.user}:${u.connections}`)) };
  }

  /** What the old endpoint answered: every member read, each one's connections counted. */
  async function oldCount(connections: ReadonlyMap<string, number>): Promise<string[]> {
    return (await f.store.members('room:big'))
      .filter((u) => (connections.get(u) ?? 0) > 0)
      .map((u) => `${u}:${connections.get(u)}`);
  }

  test('counts the members online with the tally, and pages who they are', async () => {
    // Three members online (one twice), and one user online who is not a member.
    const connections = new Map([
      [handleOf(10), 2],
      [handleOf(2500), 1],
      [handleOf(4999), 1],
    ]);
    for (const [user, n] of connections) for (let i = 0; i < n; i++) await online(user);
    await online('outsider');
    const before = await oldCount(connections);
    assert.equal(before.length, 3);

    const first = await presence();
    assert.equal(first.room, 'big');
    assert.equal(first.online, 3);
    assert.equal(first.next, handleOf(1000), 'a page of 1,000 members by default');
    assert.deepEqual(first.users, [{ user: handleOf(10), connections: 2 }]);

    // 5,000 members and the room's owner (root, the key's creator).
    const { pages, users } = await allPages(1000);
    assert.equal(pages.length, 6);
    assert.ok(pages.every((p) => p.online === 3));
    assert.equal(pages.at(-1)!.next, undefined);
    assert.deepEqual(users, before, 'the same users and connections as reading every member');
  });

  test('reads no member list once the room is active here, and follows presence and joins', async () => {
    const reads = memberReads;
    await presence();
    await allPages(500);
    assert.equal(memberReads, reads, 'no whole member-list read');

    // One more member comes online; a connected non-member joins (both change the tally).
    await online(handleOf(3000));
    await f.http.call('PUT', '/rooms/big/members/outsider', undefined, key);
    const want = 5;
    let got = 0;
    for (let i = 0; i < 100 && got !== want; i++) {
      got = (await presence()).online;
      if (got !== want) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(got, want);
    const { users } = await allPages(1000);
    assert.deepEqual(
      users.map((u) => u.split(':')[0]),
      [handleOf(10), handleOf(2500), handleOf(3000), handleOf(4999), 'outsider'],
    );
    assert.equal(memberReads, reads, 'still no whole member-list read');
  });

  test('a room active nowhere here is activated for the count: one member-list read', async () => {
    assert.equal((await f.http.post('/rooms', { room: 'quiet' }, key)).status, 201);
    // Added behind the back of outsider's open connection, so nothing here receives the room.
    for (const user of ['outsider', handleOf(1), handleOf(2)])
      await f.store.addMember('room:quiet', user);
    const r = await f.http.call('GET', '/rooms/quiet/presence', undefined, key);
    assert.deepEqual(r.body, {
      room: 'quiet',
      online: 1,
      users: [{ user: 'outsider', connections: 1 }],
    });
  });

  test('an unknown room is 404 and a bad cursor 400, as for the member list', async () => {
    const r = await f.http.call('GET', '/rooms/nope/presence', undefined, key);
    assert.deepEqual([r.status, r.body.code], [404, 'SB_ERR_ROOM_NOT_FOUND']);
    const bad = await f.http.call('GET', '/rooms/big/presence?limit=0', undefined, key);
    assert.equal(bad.status, 400);
    const big = await f.http.call('GET', '/rooms/big/presence?limit=1001', undefined, key);
    assert.equal(big.status, 400);
  });
});
