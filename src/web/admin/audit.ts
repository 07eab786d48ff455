/** The API call log, newest first (GET /audit): who (key or session), what, and the status. */
import { h } from '../dom.js';
import type { View } from './view.js';
import { table } from './table.js';

interface Call {
  keyId: string;
  method: string;
  path: string;
  status: number;
  ts: number;
}

export const auditView: View = {
  id: 'audit',
  label: 'Audit log',
  async render(root, api) {
    const { calls } = await api.call<{ calls: Call[] }>('GET', '/audit?limit=200');
    root.replaceChildren(
      h('h2', {}, 'Audit log'),
      table(
        `The last ${calls.length} API call(s)`,
        ['Time', 'Key or session', 'Method', 'Path', 'Status'],
        calls.map((c) => [new Date(c.ts).toISOString(), c.keyId, c.method, c.path, c.status]),
        'audit-table',
      ),
    );
  },
};
