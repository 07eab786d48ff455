/**
 * The operator API of issue 9 on the /api/v1 router: every endpoint of the lists below behind
 * the guard (./guard.ts), and the OpenAPI document made from the same list and the table of the
 * router's other routes (../route-docs.ts) at /api/v1/openapi.json (public: it holds no data).
 */
import { ROUTE_DOCS } from '../route-docs.js';
import type { ApiRouter } from '../router.js';
import { ADMIN_ENDPOINTS } from './admin-endpoints.js';
import { CONSOLE_ENDPOINTS } from './console-endpoints.js';
import type { ApiContext, Endpoint } from './endpoint.js';
import { guarded } from './guard.js';
import { MESSAGE_ENDPOINTS } from './message-endpoints.js';
import { openApiDocument } from './openapi.js';
import { REPORT_ENDPOINTS } from './report-endpoints.js';
import { ROOM_ENDPOINTS } from './room-endpoints.js';
import { USER_ENDPOINTS } from './user-endpoints.js';

export const ENDPOINTS: readonly Endpoint[] = [
  ...MESSAGE_ENDPOINTS,
  ...ROOM_ENDPOINTS,
  ...USER_ENDPOINTS,
  ...ADMIN_ENDPOINTS,
  ...CONSOLE_ENDPOINTS,
  ...REPORT_ENDPOINTS,
];

export const OPENAPI_PATH = '/openapi.json';

export function addApiRoutes(
  router: ApiRouter,
  ctx: ApiContext,
  onError: (err: unknown) => void,
  endpoints: readonly Endpoint[] = ENDPOINTS,
): void {
  const document = openApiDocument(endpoints, ROUTE_DOCS);
  router.add('GET', OPENAPI_PATH, async () => ({ status: 200, body: document }));
  for (const e of endpoints)
    router.add(e.method, e.path.replace(/\{(\w+)\}/g, ':$1'), guarded(ctx, e, onError));
}
