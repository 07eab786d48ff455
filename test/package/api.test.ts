/**
 * The programmatic API from source (test/package/tarball.test.ts does the same through the
 * packed package): start a node with options and one's own authenticator, reach it over a
 * WebSocket, stop it gracefully.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SwitchboardError,
  startSwitchboard,
  type Authenticator,
  type Credentials,
  type Identity,
} from '../../src/index.js';
import { silentLogger } from '../../src/logger.js';
import { addressOf } from '../../src/server/address.js';
import { WsTestClient } from '../helpers/ws-client.js';

/** Everyone is welcome and becomes `guest-<handle>`; nobody else exists. */
class GuestAuthenticator implements Authenticator {
  async authenticate({ handle }: Credentials): Promise<Identity> {
    return { user: `guest-${handle ?? 'x'}`, token: 't', expiresAt: Date.now() + 60_000 };
  }
  async exists(user: string): Promise<boolean> {
    return user.startsWith('guest-');
  }
}

describe('startSwitchboard', () => {
  test('starts on a free port with a plugged-in authenticator and stops gracefully', async () => {
    const server = await startSwitchboard(
      { port: 0, host: '127.0.0.1', store: 'memory:', web: false, shutdownTimeout: 1000 },
      { auth: new GuestAuthenticator(), logger: silentLogger },
    );
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    assert.equal(server.wsUrl, `ws://127.0.0.1:${server.port}/ws`);
    const client = await WsTestClient.connect(server.wsUrl);
    const hello = await client.hello({ handle: 'ann' });
    assert.equal(hello.user, 'guest-ann');
    const sent = await client.call<{ message: { seq: number } }>({
      type: 'send',
      room: 'general',
      text: 'hi',
      cid: 'c1',
    });
    assert.equal(sent.message.seq, 1);
    await server.stop();
    assert.equal(await client.waitClosed(), 4000, 'clients are told to reconnect');
    await assert.rejects(fetch(`${server.url}/healthz`), 'no longer listening');
  });

  test('rejects a bad or unknown option with SB_ERR_CONFIG_INVALID naming it', async () => {
    await assert.rejects(startSwitchboard({ port: -1 }), (err: unknown) => {
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.code, 'SB_ERR_CONFIG_INVALID');
      assert.match(err.message, /options\.port: /);
      return true;
    });
  });
});

describe('addressOf', () => {
  test('shows localhost for a wildcard host and brackets an IPv6 address', () => {
    assert.equal(addressOf('0.0.0.0', 80).url, 'http://localhost:80');
    assert.equal(addressOf('::', 80).wsUrl, 'ws://localhost:80/ws');
    assert.equal(addressOf('::1', 80).url, 'http://[::1]:80');
    assert.equal(addressOf('10.0.0.5', 80).url, 'http://10.0.0.5:80');
  });
});
