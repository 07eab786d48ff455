/**
 * The multi-line composer: Enter sends, Shift+Enter starts a new line, and the textarea grows
 * with its text up to its CSS max-height, then scrolls. Enter while an input method is
 * composing (CJK) confirms the composition and does not send.
 */

/** Wires `textarea` into `form`; returns fit(), to call after setting the value from code. */
export function multiLineComposer(
  form: HTMLFormElement,
  textarea: HTMLTextAreaElement,
): () => void {
  const fit = (): void => {
    // CSSOM, not a style attribute: the page's CSP (style-src 'self') allows it.
    textarea.style.height = '';
    if (!textarea.value) return; // its one-row height from the CSS
    textarea.style.height = 'auto';
    textarea.style.height = `${textarea.scrollHeight + textarea.offsetHeight - textarea.clientHeight}px`;
  };
  textarea.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    form.requestSubmit();
  });
  textarea.addEventListener('input', fit);
  return fit;
}
