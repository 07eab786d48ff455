import type { LinkPreview } from '../protocol/link-preview.js';
import { h } from './dom.js';

/**
 * The card of a link preview: site name, title and description, one link to the page. The
 * page's image is not loaded: it would hot-link a third-party site from every reader's browser.
 */
export function previewCard(p: LinkPreview): HTMLElement {
  return h(
    'a',
    {
      class: 'preview',
      'data-testid': 'link-preview',
      href: p.url,
      target: '_blank',
      rel: 'noopener noreferrer nofollow',
      dir: 'auto',
    },
    ...(p.siteName ? [h('span', { class: 'site' }, p.siteName)] : []),
    h('span', { class: 'title' }, p.title ?? p.url),
    ...(p.description ? [h('span', { class: 'description' }, p.description)] : []),
  );
}
