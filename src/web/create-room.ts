/**
 * "New room": a dialog with the room's name and kind (public, private: invite only and hidden
 * from everyone else, announcement: only moderators post). Creates it with the viewer as owner.
 */
import { ROOM_RE } from '../protocol/channels.js';
import type { RoomKind } from '../protocol/frames.js';
import { byTestId } from './dom.js';
import { describeError, errorCode } from './login.js';

export class CreateRoomDialog {
  private readonly dialog = byTestId<HTMLDialogElement>('create-room');
  private readonly form = byTestId<HTMLFormElement>('create-room-form');
  private readonly name = byTestId<HTMLInputElement>('create-room-name');
  private readonly error = byTestId('create-room-error');

  /** `create` creates and opens the room; it throws a coded error on refusal. */
  constructor(private readonly create: (room: string, kind: RoomKind) => Promise<void>) {
    byTestId('create-room-open').addEventListener('click', () => this.open());
    byTestId('create-room-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('click', (ev) => {
      if (ev.target === this.dialog) this.dialog.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
  }

  open(): void {
    this.form.reset();
    this.setError(null);
    if (!this.dialog.open) this.dialog.showModal();
    this.name.focus();
  }

  private async submit(): Promise<void> {
    const room = this.name.value.trim().replace(/^#/, '').toLowerCase();
    const kind = (new FormData(this.form).get('kind') ?? 'public') as RoomKind;
    if (!ROOM_RE.test(room)) {
      this.setError(
        describeError({ code: 'SB_ERR_ROOM_NAME_INVALID' }),
        'SB_ERR_ROOM_NAME_INVALID',
      );
      return;
    }
    const submit = byTestId<HTMLButtonElement>('create-room-submit');
    submit.disabled = true;
    try {
      await this.create(room, kind);
      this.dialog.close();
    } catch (err) {
      this.setError(describeError(err), errorCode(err));
    } finally {
      submit.disabled = false;
    }
  }

  private setError(text: string | null, code?: string): void {
    this.error.textContent = text ?? '';
    this.error.hidden = !text;
    if (code) this.error.dataset.code = code;
    else delete this.error.dataset.code;
  }
}
