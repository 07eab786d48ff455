/**
 * `GET /api/v1/push/vapid-public-key`: the key a page subscribes with
 * (`pushManager.subscribe({applicationServerKey})`). Public: it is a public key. Registering
 * the subscription is the socket's `push-subscribe` (docs/push.md).
 */
import { SwitchboardError } from '../errors.js';
import type { ApiRouter } from './router.js';

/** `publicKey` null: the server runs with --no-push; the route answers 404 SB_ERR_PUSH_UNAVAILABLE. */
export function addPushRoutes(router: ApiRouter, publicKey: string | null): void {
  router.add('GET', '/push/vapid-public-key', async () => {
    if (publicKey === null) throw new SwitchboardError('SB_ERR_PUSH_UNAVAILABLE');
    return { status: 200, body: { publicKey }, headers: { 'cache-control': 'no-cache' } };
  });
}
