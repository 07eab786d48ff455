/**
 * A small modal question for the message and moderation acts: an optional choice (a duration, a
 * role, an emoji) and an optional text (a reason, a message's new wording, which may have
 * several lines). Resolves with the answer, or null when cancelled.
 */
import { multiLineComposer } from './composer-input.js';
import { byTestId, h } from './dom.js';

export interface Question {
  title: string;
  /** A choice to make, first option preselected. */
  choice?: { label: string; options: { value: string; label: string }[] };
  /** Text to give, e.g. "Reason (optional)"; Enter answers, Shift+Enter starts a new line. */
  text?: { label: string; maxLength?: number; value?: string };
  ok: string;
}

export interface Answer {
  choice: string;
  text: string;
}

const dialog = (): HTMLDialogElement => byTestId<HTMLDialogElement>('ask');

let pending: ((a: Answer | null) => void) | null = null;
let wired = false;
/** Sizes the text box to its text (see composer-input.ts); set by wire(). */
let fit = (): void => {};

function wire(): void {
  if (wired) return;
  wired = true;
  const d = dialog();
  const answer = (a: Answer | null) => {
    const resolve = pending;
    pending = null;
    if (d.open) d.close();
    resolve?.(a);
  };
  // A message's new wording keeps its lines: Enter answers, Shift+Enter starts a new line.
  fit = multiLineComposer(
    byTestId<HTMLFormElement>('ask-form'),
    byTestId<HTMLTextAreaElement>('ask-input'),
  );
  byTestId<HTMLFormElement>('ask-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    answer({
      choice: byTestId<HTMLSelectElement>('ask-choice').value,
      text: byTestId<HTMLTextAreaElement>('ask-input').value.trim(),
    });
  });
  byTestId('ask-cancel').addEventListener('click', () => answer(null));
  // Escape closes the dialog by itself.
  d.addEventListener('close', () => answer(null));
}

export function ask(q: Question): Promise<Answer | null> {
  wire();
  pending?.(null);
  byTestId('ask-title').textContent = q.title;
  const select = byTestId<HTMLSelectElement>('ask-choice');
  const input = byTestId<HTMLTextAreaElement>('ask-input');
  const choiceRow = byTestId('ask-choice-row');
  const textRow = byTestId('ask-text-row');
  choiceRow.hidden = !q.choice;
  textRow.hidden = !q.text;
  byTestId('ask-choice-label').textContent = q.choice?.label ?? '';
  select.replaceChildren(
    ...(q.choice?.options ?? []).map((o) => h('option', { value: o.value }, o.label)),
  );
  byTestId('ask-input-label').textContent = q.text?.label ?? '';
  input.value = q.text?.value ?? '';
  input.maxLength = q.text?.maxLength ?? 500;
  byTestId('ask-ok').textContent = q.ok;
  return new Promise((resolve) => {
    pending = resolve;
    dialog().showModal();
    fit();
    (q.choice ? select : q.text ? input : byTestId('ask-ok')).focus();
  });
}
