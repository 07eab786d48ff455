/** The connection state pill and the transient error toast. */
import { byTestId } from './dom.js';

export type ClientState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';
export type ConnLabel = 'connecting' | 'online' | 'reconnecting' | 'offline';

const conn = (): HTMLElement => byTestId('conn-state');

/** The browser being offline wins over the SDK's "reconnecting": it cannot succeed yet. */
export function renderConnState(state: ClientState): void {
  let label: ConnLabel =
    state === 'ready'
      ? 'online'
      : state === 'reconnecting'
        ? 'reconnecting'
        : state === 'closed'
          ? 'offline'
          : 'connecting';
  if (label !== 'online' && !navigator.onLine) label = 'offline';
  const el = conn();
  el.dataset.state = label;
  el.textContent = label;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function toast(text: string, code?: string): void {
  const el = byTestId('toast');
  el.textContent = text;
  if (code) el.dataset.code = code;
  else delete el.dataset.code;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideToast, 6000);
}

export function hideToast(): void {
  clearTimeout(toastTimer);
  byTestId('toast').hidden = true;
}
