/**
 * The admin console at /admin (docs/admin.md): a server admin's session token (the chat page's,
 * or one from this page's own sign-in) as the bearer of /api/v1 calls. Anyone else is refused
 * by the API (403 SB_ERR_ADMIN_REQUIRED) and the page says so.
 */
import { h } from '../dom.js';
import { api, ApiError, login, type Api } from './api.js';
import { auditView } from './audit.js';
import { healthView } from './health.js';
import { keysView } from './keys.js';
import { presenceView } from './presence.js';
import { reportsView } from './reports.js';
import { roomsView } from './rooms.js';
import { usersView } from './users.js';
import { webhooksView } from './webhooks.js';
import type { View, ViewContext } from './view.js';

const CONSOLE_TOKEN = 'switchboard.admin.token';
/** The chat page's session (src/web/session.ts): an admin signed in there needs no second sign-in. */
const CHAT_TOKEN = 'switchboard.token';
const VIEWS: View[] = [
  usersView,
  roomsView,
  presenceView,
  reportsView,
  keysView,
  webhooksView,
  auditView,
  healthView,
];

const $ = <T extends HTMLElement>(id: string) =>
  document.querySelector<T>(`[data-testid="${id}"]`)!;

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage disabled: signed in for this tab only */
  }
}

function show(which: 'login' | 'refused' | 'console'): void {
  $('admin-login').hidden = which === 'console';
  $('admin-refused').hidden = which !== 'refused';
  $('admin-console').hidden = which !== 'console';
  $('admin-sign-out').hidden = which === 'login';
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code || err.status})`;
  return err instanceof Error ? err.message : String(err);
}

async function open(token: string): Promise<void> {
  const client = api(token);
  try {
    const me = await client.call<{ user: string }>('GET', '/auth/me');
    $('admin-me').textContent = me.user;
    await client.call('GET', '/users?limit=1');
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      show('refused');
      return;
    }
    store(CONSOLE_TOKEN, null);
    $('admin-me').textContent = '';
    show('login');
    return;
  }
  show('console');
  startConsole(client);
}

function startConsole(client: Api): void {
  const view = $('admin-view');
  const error = $('admin-error');
  const ctx: ViewContext = {
    run: (f) => {
      error.hidden = true;
      f().catch((err: unknown) => {
        error.textContent = describe(err);
        error.hidden = false;
      });
    },
  };
  const tabs = VIEWS.map((v) => {
    const b = h(
      'button',
      { type: 'button', class: 'secondary', 'data-testid': `tab-${v.id}` },
      v.label,
    );
    b.addEventListener('click', () => select(v));
    return b;
  });
  const select = (v: View) => {
    tabs.forEach((b, i) => {
      if (VIEWS[i] === v) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    });
    view.replaceChildren(h('p', { class: 'muted' }, 'Loading\u2026'));
    ctx.run(() => v.render(view, client, ctx));
  };
  $('admin-tabs').replaceChildren(...tabs);
  select(VIEWS[0]!);
}

function main(): void {
  const form = $<HTMLFormElement>('admin-login');
  const error = $('admin-login-error');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const handle = $<HTMLInputElement>('admin-handle').value.trim();
    const password = $<HTMLInputElement>('admin-password').value;
    error.hidden = true;
    login(handle, password).then(
      (token) => {
        store(CONSOLE_TOKEN, token);
        $<HTMLInputElement>('admin-password').value = '';
        return open(token);
      },
      (err: unknown) => {
        error.textContent = describe(err);
        error.hidden = false;
      },
    );
  });
  $('admin-sign-out').addEventListener('click', () => {
    const token = stored(CONSOLE_TOKEN);
    store(CONSOLE_TOKEN, null);
    if (token)
      void fetch('/api/v1/auth/logout', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
    $('admin-me').textContent = '';
    show('login');
  });
  const token = stored(CONSOLE_TOKEN) ?? stored(CHAT_TOKEN);
  if (token) void open(token);
  else show('login');
}

main();
