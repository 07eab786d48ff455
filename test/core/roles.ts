/**
 * What the authorization tests share: an authenticator that hands out server roles (a stand-in
 * for an account flag, a JWT claim or the auth webhook), users who say hello without presence
 * events, and a room set up with an actor in each role or state of the permission table.
 */
import type { Authenticator, Credentials } from '../../src/auth/authenticator.js';
import type { RoomState, Subject } from '../../src/core/permissions.js';
import type { RoomKind } from '../../src/store/store.js';
import { TestClient, type Node } from './harness.js';

const rolesOf = (user: string): string[] => (user.startsWith('root') ? ['admin'] : []);

/**
 * Handles starting with `root` are server admins, as if an account flag said so (kept: targets
 * are known as server admins too); the token is the handle.
 */
export const rolesAuth: Authenticator = {
  authenticate: ({ handle, token }: Credentials) => {
    const user = (handle ?? token ?? '').toLowerCase();
    return Promise.resolve({ user, token: user, expiresAt: 0, roles: rolesOf(user) });
  },
  exists: () => Promise.resolve(true),
  serverRoles: (user) => Promise.resolve(rolesOf(user)),
};

/** A connection of `user` (by token, so a user may have several), without presence events. */
export async function connect(node: Node, user: string): Promise<TestClient> {
  const c = TestClient.connect(node);
  await c.hello({ token: user, presence: false });
  return c;
}

/** Sends `frame` and resolves the error code of the answer, or 'ok' for a reply. */
export async function outcome(c: TestClient, frame: Record<string, unknown>): Promise<string> {
  const r = await c.request(frame);
  return r.type === 'reply' ? 'ok' : String(r.code);
}

export async function must(c: TestClient, frame: Record<string, unknown>): Promise<void> {
  const r = await c.request(frame);
  if (r.type !== 'reply') throw new Error(`${JSON.stringify(frame)}: ${String(r.code)}`);
}

let serial = 0;
export const fresh = (prefix = 'u'): string => `${prefix}${++serial}`;

/** A new room `fresh(prefix)` of `kind` (default: the server's, public) made by a new owner. */
export async function ownedRoom(
  node: Node,
  prefix: string,
  kind?: RoomKind,
): Promise<{ owner: TestClient; room: string }> {
  const owner = await connect(node, fresh('own'));
  const room = fresh(prefix);
  await must(owner, kind ? { type: 'create', room, kind } : { type: 'create', room });
  return { owner, room };
}

export interface Scene {
  room: string;
  owner: TestClient;
  actor: TestClient;
  /** A plain member to act on. */
  target: string;
}

/**
 * A new room of `kind` with its owner, its first message (seq 1), a member to act on, and an actor
 * who is `subject`; archived by its owner last when `state` says so.
 */
export async function scene(
  node: Node,
  kind: RoomKind,
  subject: Subject,
  state: RoomState = 'open',
): Promise<Scene> {
  const { owner, room } = await ownedRoom(node, 'r', kind);
  await must(owner, { type: 'send', room, text: 'first', cid: 'first' });
  const target = fresh('t');
  await must(owner, { type: 'invite', room, user: target });
  let actor = owner;
  if (subject !== 'owner') {
    const user = fresh(subject === 'server admin' ? 'root' : 'u');
    if (subject === 'banned') await must(owner, { type: 'ban', room, user });
    if (!['stranger', 'banned', 'server admin'].includes(subject))
      await must(owner, { type: 'invite', room, user });
    if (subject === 'muted member') await must(owner, { type: 'mute', room, user });
    if (subject === 'moderator' || subject === 'admin')
      await must(owner, { type: 'role', room, user, role: subject });
    actor = await connect(node, user);
  }
  if (state === 'archived') await must(owner, { type: 'archive', room });
  return { room, owner, actor, target };
}
