/** API keys: list (never the keys), create (the key shown once, here only), revoke. */
import { h } from '../dom.js';
import type { View } from './view.js';
import { button, table } from './table.js';

const SCOPES = [
  'messages:read',
  'messages:write',
  'rooms:read',
  'rooms:write',
  'users:read',
  'users:write',
  'presence:read',
  'webhooks:write',
  'admin',
];

interface Key {
  id: string;
  name: string;
  scopes: string[];
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}

export const keysView: View = {
  id: 'keys',
  label: 'API keys',
  async render(root, api, ctx) {
    const name = h('input', {
      id: 'key-name',
      'data-testid': 'key-name',
      maxlength: 100,
      placeholder: 'e.g. backend',
    });
    const boxes = SCOPES.map((s) => h('input', { type: 'checkbox', value: s, 'data-scope': s }));
    const shown = h('div', { 'data-testid': 'key-created', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'inline-form', 'data-testid': 'key-form' },
      h('label', { for: 'key-name' }, 'Name'),
      name,
      h(
        'fieldset',
        { class: 'inline-form' },
        h('legend', {}, 'Scopes'),
        ...boxes.map((b, i) => h('label', {}, b, ` ${SCOPES[i]!}`)),
      ),
      h('button', { type: 'submit', 'data-testid': 'key-create' }, 'Create key'),
    );
    const list = h('div', {});
    const load = async () => {
      const { keys } = await api.call<{ keys: Key[] }>('GET', '/api-keys');
      list.replaceChildren(
        table(
          `${keys.length} key(s)`,
          ['Id', 'Name', 'Scopes', 'Created by', 'State', ''],
          keys.map((k) => [
            k.id,
            k.name,
            k.scopes.join(', '),
            k.createdBy,
            k.revokedAt === null ? 'live' : `revoked ${new Date(k.revokedAt).toISOString()}`,
            k.revokedAt === null
              ? button(`Revoke key ${k.name}`, 'key-revoke', () =>
                  ctx.run(async () => {
                    await api.call('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
                    await load();
                  }),
                )
              : null,
          ]),
          'key-table',
        ),
      );
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      ctx.run(async () => {
        const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
        const made = await api.call<{ key: string }>('POST', '/api-keys', {
          name: name.value.trim(),
          scopes,
        });
        shown.replaceChildren(
          h('p', {}, 'The new key, shown this once only (only its hash is stored):'),
          h('p', { class: 'secret', 'data-testid': 'key-secret' }, made.key),
        );
        await load();
      });
    });
    root.replaceChildren(h('h2', {}, 'API keys'), form, shown, list);
    await load();
  },
};
