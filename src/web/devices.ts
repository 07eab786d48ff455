/**
 * "Your devices": an account's sessions (one per device) with a button that signs any other
 * one out (its connections close on every node), or, for a guest, a form that sets a password
 * and keeps the handle, rooms and history as an account. Device names go through textContent.
 */
import * as accounts from '../client/accounts.js';
import type { DeviceSessionInfo } from '../client/accounts.js';
import { byTestId, h, userText } from './dom.js';
import { describeError, errorCode } from './login.js';

export class DevicesDialog {
  private readonly dialog = byTestId<HTMLDialogElement>('devices');
  private readonly list = byTestId('device-list');
  private readonly status = byTestId('devices-status');
  private readonly upgradeForm = byTestId<HTMLFormElement>('upgrade-form');
  private readonly password = byTestId<HTMLInputElement>('upgrade-password');

  /** `token`: the current session token, null when signed out. */
  constructor(private readonly token: () => string | null) {
    byTestId('devices-open').addEventListener('click', () => this.open());
    byTestId('devices-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('click', (ev) => {
      if (ev.target === this.dialog) this.dialog.close();
    });
    this.upgradeForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.upgrade();
    });
  }

  open(): void {
    if (!this.dialog.open) this.dialog.showModal();
    void this.load();
  }

  private async load(): Promise<void> {
    const token = this.token();
    this.list.replaceChildren();
    this.upgradeForm.hidden = true;
    this.setStatus('Loading…');
    if (!token) return this.setStatus('Not signed in.');
    try {
      const sessions = await accounts.listSessions(token);
      this.list.replaceChildren(...sessions.map((s) => this.item(token, s)));
      this.setStatus(null);
    } catch (err) {
      // A guest's token is no account session: offer to keep the handle instead.
      if (errorCode(err) === 'SB_ERR_TOKEN_INVALID') {
        this.setStatus(null);
        this.upgradeForm.hidden = false;
        this.password.focus();
      } else this.setStatus(`Could not load your devices: ${describeError(err)}`, errorCode(err));
    }
  }

  private item(token: string, s: DeviceSessionInfo): HTMLElement {
    const seen = new Date(s.lastSeenAt).toLocaleString();
    const what = h(
      'span',
      { class: 'what' },
      userText('span', {}, s.device || 'Unknown device'),
      h('span', { class: 'when' }, s.current ? 'This device' : `Last seen ${seen}`),
    );
    const li = h(
      'li',
      { class: 'device', 'data-testid': 'device', 'data-current': String(s.current) },
      what,
    );
    if (!s.current) {
      const button = h('button', { type: 'button', 'data-testid': 'device-revoke' }, 'Sign out');
      button.addEventListener('click', () => {
        button.disabled = true;
        accounts.revokeSession(token, s.id).then(
          () => void this.load(),
          (err: unknown) => {
            button.disabled = false;
            this.setStatus(describeError(err), errorCode(err));
          },
        );
      });
      li.append(button);
    }
    return li;
  }

  private async upgrade(): Promise<void> {
    const token = this.token();
    if (!token) return;
    try {
      await accounts.upgradeGuest(token, this.password.value);
      this.password.value = '';
      this.setStatus('Your handle is now an account: sign in with it and this password anywhere.');
      this.upgradeForm.hidden = true;
      const sessions = await accounts.listSessions(token);
      this.list.replaceChildren(...sessions.map((s) => this.item(token, s)));
    } catch (err) {
      this.setStatus(describeError(err), errorCode(err));
    }
  }

  private setStatus(text: string | null, code?: string): void {
    this.status.textContent = text ?? '';
    this.status.hidden = !text;
    if (code) this.status.dataset.code = code;
    else delete this.status.dataset.code;
  }
}
