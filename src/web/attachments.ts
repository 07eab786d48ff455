/**
 * Files on the page: a message's attachments (an image as its thumbnail, a click opens the file;
 * anything else a download link with its name and size), and the upload of files chosen with
 * the Attach button or dropped on the message list or the composer, with a progress bar.
 * Links are signed and short-lived (docs/files.md): asked for when shown, again when clicked.
 */
import type { FileLink } from '../client/files.js';
import type { Attachment } from '../protocol/frames.js';
import { h } from './dom.js';

export type LinkSource = (id: string) => Promise<FileLink>;

/** `512 B`, `12.3 KB`, `4.5 MB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The attachments row of a message. */
export function attachmentList(files: Attachment[], links: LinkSource): HTMLElement {
  return h(
    'ul',
    { class: 'attachments', 'data-testid': 'attachments', 'aria-label': 'Files' },
    ...files.map((a) => h('li', {}, a.thumb ? imagePreview(a, links) : download(a, links))),
  );
}

/** Opens a fresh link on click (the one shown may have expired). */
function refreshOnClick(a: HTMLAnchorElement, id: string, links: LinkSource): void {
  let expires = 0;
  a.addEventListener('click', (ev) => {
    if (Date.now() < expires - 10_000) return;
    ev.preventDefault();
    links(id).then(
      (l) => {
        expires = l.expires;
        a.href = l.url;
        a.click();
      },
      () => undefined,
    );
  });
  links(id).then(
    (l) => {
      expires = l.expires;
      a.href = l.url;
    },
    () => undefined,
  );
}

function imagePreview(file: Attachment, links: LinkSource): HTMLElement {
  const img = h('img', {
    alt: file.name,
    'data-testid': 'attachment-thumb',
    width: String(Math.min(320, file.width ?? 320)),
  });
  if (file.width && file.height)
    img.setAttribute(
      'height',
      String(Math.round((Math.min(320, file.width) / file.width) * file.height)),
    );
  const a = h(
    'a',
    {
      class: 'attachment-image',
      'data-testid': 'attachment-image',
      href: '#',
      target: '_blank',
      rel: 'noopener noreferrer',
      title: `${file.name} (${fileSize(file.size)})`,
    },
    img,
  );
  links(file.id).then(
    (l) => {
      if (l.thumbUrl) img.src = l.thumbUrl;
    },
    () => undefined,
  );
  refreshOnClick(a, file.id, links);
  return a;
}

function download(file: Attachment, links: LinkSource): HTMLElement {
  const a = h(
    'a',
    {
      class: 'attachment-file',
      'data-testid': 'attachment-file',
      href: '#',
      download: file.name,
      rel: 'noopener noreferrer',
    },
    h('span', { class: 'file-name', dir: 'auto' }, file.name),
    h('span', { class: 'file-size' }, ` (${fileSize(file.size)})`),
  );
  refreshOnClick(a, file.id, links);
  return a;
}

/**
 * Wires the Attach button, the file input and dropping onto `targets` to `send(files)`, and
 * shows `progress` while `send` reports it.
 */
export function fileDrop(
  input: HTMLInputElement,
  button: HTMLButtonElement,
  targets: HTMLElement[],
  send: (files: File[]) => void,
): void {
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length > 0) send(files);
  });
  for (const t of targets) {
    t.addEventListener('dragover', (ev) => {
      if (!ev.dataTransfer?.types.includes('Files')) return;
      ev.preventDefault();
      t.classList.add('drop-target');
    });
    t.addEventListener('dragleave', () => t.classList.remove('drop-target'));
    t.addEventListener('drop', (ev) => {
      t.classList.remove('drop-target');
      const files = Array.from(ev.dataTransfer?.files ?? []);
      if (files.length === 0) return;
      ev.preventDefault();
      send(files);
    });
  }
}

/** The progress bar under the composer: `show(sent, total)`, `done()`. */
export function progressBar(box: HTMLElement): {
  show(name: string, sent: number, total: number): void;
  done(): void;
} {
  const bar = box.querySelector('progress')!;
  const label = box.querySelector('span')!;
  return {
    show(name, sent, total) {
      box.hidden = false;
      bar.max = Math.max(total, 1);
      bar.value = sent;
      label.textContent = `Uploading ${name}: ${Math.floor((sent / Math.max(total, 1)) * 100)}%`;
    },
    done() {
      box.hidden = true;
    },
  };
}
