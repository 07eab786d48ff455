/** The sign-in form (account or guest) and how connection errors read to a person. */
import { ERRORS, isErrorCode } from '../errors.js';
import { HANDLE_RE } from '../protocol/channels.js';
import { byTestId } from './dom.js';

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A sentence for the person, never a stack trace. */
export function describeError(err: unknown, handle?: string): string {
  const code = errorCode(err);
  switch (code) {
    case 'SB_ERR_HANDLE_TAKEN':
      return `“${handle ?? 'That handle'}” is already taken. Pick another handle.`;
    case 'SB_ERR_HANDLE_INVALID':
      return 'Handles are 1-32 characters: a-z, 0-9, _ . - (starting with a letter, digit or _).';
    case 'SB_ERR_TOKEN_INVALID':
    case 'SB_ERR_TOKEN_EXPIRED':
      return 'Your session has ended. Enter your handle again.';
    case 'SB_ERR_RATE_LIMITED':
    case 'SB_ERR_FLOOD':
      return 'Slow down a little and try again.';
    case 'SB_ERR_CONNECTION_CLOSED':
    case 'SB_ERR_TIMEOUT':
      return 'Could not reach the server. Check your connection and try again.';
    case 'SB_ERR_PROTOCOL_VERSION':
      return 'The server was updated: reload the page to continue.';
    case 'SB_ERR_NOT_A_MEMBER':
      return 'You are not in this room any more. Join it again to send.';
    case 'SB_ERR_CREDENTIALS_INVALID':
      return 'That handle and password do not match.';
    case 'SB_ERR_LOGIN_THROTTLED':
      return 'Too many attempts. Wait a little and try again.';
    case 'SB_ERR_PASSWORD_INVALID':
      return 'Passwords are 8 to 1024 bytes long.';
    case 'SB_ERR_OIDC_UNAVAILABLE':
      return 'The sign-in service did not answer. Try again in a moment.';
    case 'SB_ERR_OIDC_DENIED':
      return 'The sign-in service did not sign you in.';
    case 'SB_ERR_OIDC_STATE_INVALID':
      return 'That sign-in took too long or did not start on this page. Try again.';
    case 'SB_ERR_OIDC_CODE_REJECTED':
    case 'SB_ERR_OIDC_TOKEN_INVALID':
      return 'The sign-in service’s answer was not accepted. Try again.';
    case 'SB_ERR_MUTED':
      return 'You are muted in this room: you can read, but your messages are not sent.';
    case 'SB_ERR_BANNED':
      return 'You are banned from this room.';
    case 'SB_ERR_FORBIDDEN':
      return 'Your role in this room does not allow that.';
    case 'SB_ERR_OUTRANKED':
      return 'You can only act on members below your own role.';
    case 'SB_ERR_ROOM_ARCHIVED':
      return 'This room is archived; it is read-only.';
    case 'SB_ERR_TOPIC_TOO_LONG':
      return 'A topic is at most 250 characters.';
    case 'SB_ERR_SLOW_MODE':
      return 'This room is in slow mode: wait a little before your next message.';
    case 'SB_ERR_ROOM_EXISTS':
      return 'A room with that name exists already. Pick another name.';
    case 'SB_ERR_ROOM_NOT_FOUND':
      return 'No such room (or it is private and you are not invited).';
    case 'SB_ERR_ROOM_NAME_INVALID':
      return 'Room names are 1-64 characters: a-z, 0-9, _ and -.';
    case 'SB_ERR_USER_NOT_FOUND':
      return 'There is no user with that handle.';
    case 'SB_ERR_SEARCH_INVALID':
      return 'That search cannot run: give a word to look for (or from:someone), at most 8 words and 256 characters, dates as YYYY-MM-DD.';
    case 'SB_ERR_MESSAGE_NOT_FOUND':
      return 'That message is gone already.';
    case 'SB_ERR_SESSION_REVOKED':
      return 'You were signed out (from another device, or by a password change). Sign in again.';
  }
  if (code && isErrorCode(code)) {
    const message = (err as { message?: unknown }).message;
    return typeof message === 'string' && message ? message : ERRORS[code].message;
  }
  return err instanceof Error && err.message ? err.message : 'Something went wrong.';
}

/** What the form asks for: an account session (sign in or sign up) or a guest handle. */
export type LoginRequest =
  | { mode: 'guest'; handle: string }
  | { mode: 'signin' | 'signup'; handle: string; password: string };

export class LoginForm {
  private readonly section = byTestId('login');
  private readonly form = byTestId<HTMLFormElement>('login-form');
  private readonly input = byTestId<HTMLInputElement>('handle-input');
  private readonly password = byTestId<HTMLInputElement>('password-input');
  private readonly buttons = [
    byTestId<HTMLButtonElement>('signin-submit'),
    byTestId<HTMLButtonElement>('signup-submit'),
    byTestId<HTMLButtonElement>('handle-submit'),
  ];
  private readonly error = byTestId('login-error');
  /** Which ways in the server allows (GET /api/v1/auth/modes); both until it says. */
  private guest = true;
  private accounts = true;

  constructor(onSubmit: (request: LoginRequest) => void) {
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const handle = this.input.value.trim().toLowerCase();
      if (!HANDLE_RE.test(handle)) {
        this.showError(describeError({ code: 'SB_ERR_HANDLE_INVALID' }), 'SB_ERR_HANDLE_INVALID');
        return;
      }
      const password = this.password.value;
      const chosen = (ev.submitter as HTMLButtonElement | null)?.value ?? 'signin';
      // Enter in the form without a password is the guest path, as before accounts existed
      // (when guests may come in).
      const mode =
        chosen === 'signup'
          ? 'signup'
          : chosen === 'guest' || (!password && this.guest)
            ? 'guest'
            : 'signin';
      if (mode === 'signup' && !password) {
        this.showError(
          describeError({ code: 'SB_ERR_PASSWORD_INVALID' }),
          'SB_ERR_PASSWORD_INVALID',
        );
        this.password.focus();
        return;
      }
      this.setBusy(true);
      this.showError(null);
      onSubmit(mode === 'guest' ? { mode, handle } : { mode, handle, password });
    });
  }

  /**
   * Shows only the ways in the server allows: without `guest` no "Continue as guest", without
   * `password` no password, sign-in or sign-up (what is left: guests, or the OIDC button).
   */
  setModes(modes: readonly string[]): void {
    this.guest = modes.includes('guest');
    this.accounts = modes.includes('password');
    byTestId('handle-submit').hidden = !this.guest;
    byTestId('password-row').hidden = !this.accounts;
    byTestId('password-actions').hidden = !this.accounts;
    byTestId('password-hint').hidden = !this.guest;
    this.input.required = this.guest || this.accounts;
    this.input.closest('form')!.querySelector<HTMLLabelElement>('label[for="handle"]')!.hidden =
      !this.guest && !this.accounts;
    this.input.hidden = !this.guest && !this.accounts;
    byTestId('login-sub').textContent =
      this.guest && this.accounts
        ? 'Sign in, create an account, or pick a handle and chat as a guest.'
        : this.accounts
          ? 'Sign in or create an account.'
          : this.guest
            ? 'Pick a handle and chat as a guest.'
            : 'Sign in with your organisation\u2019s account.';
  }

  show(handle = '', error: string | null = null, code?: string): void {
    this.section.hidden = false;
    this.setBusy(false);
    if (handle) this.input.value = handle;
    this.showError(error, code);
    this.input.focus();
  }

  hide(): void {
    this.section.hidden = true;
  }

  setBusy(busy: boolean): void {
    for (const b of this.buttons) b.disabled = busy;
    this.form.setAttribute('aria-busy', String(busy));
  }

  /** Forgets the typed password (after it was used, or on a fresh form). */
  clearPassword(): void {
    this.password.value = '';
  }

  /** A note while the first connection is being retried; the form stays busy. */
  notice(text: string): void {
    this.showError(text);
  }

  private showError(text: string | null, code?: string): void {
    this.error.textContent = text ?? '';
    this.error.hidden = !text;
    if (code) this.error.dataset.code = code;
    else delete this.error.dataset.code;
  }
}
