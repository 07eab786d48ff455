/**
 * A page's preview from its HTML: Open Graph first, <title> and the description meta after;
 * entities decoded, whitespace collapsed, lengths bounded, only http(s) image URLs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePreview } from '../../src/net/page-preview.js';
import { PREVIEW_LIMITS } from '../../src/protocol/link-preview.js';

const URL_ = 'https://example.com/post/1';

describe('page preview', () => {
  it('prefers Open Graph, resolving a relative og:image against the page', () => {
    const html = `<head><title>Plain</title><meta property="og:title" content="OG &quot;title&quot;">
      <meta property="og:site_name" content="Ex"><meta property="og:image" content="../img.png">
      <meta name="description" content="fallback"><meta property="og:description" content="og desc">`;
    assert.deepEqual(parsePreview(html, URL_), {
      url: URL_,
      title: 'OG "title"',
      description: 'og desc',
      siteName: 'Ex',
      image: 'https://example.com/img.png',
    });
  });

  it('falls back to <title> and the description meta, whitespace collapsed', () => {
    const html = `<html><head><title>
      Just   a &amp; title </title><meta name="description" content=" a  page "></head>`;
    assert.deepEqual(parsePreview(html, URL_), {
      url: URL_,
      title: 'Just a & title',
      description: 'a page',
    });
  });

  it('has no preview without a title', () => {
    assert.equal(parsePreview('<p>nothing</p>', URL_), null);
  });

  it('ignores what comes after <body> and a non-http image', () => {
    const html = `<head><title>T</title><meta property="og:image" content="javascript:alert(1)">
      </head><body><meta property="og:title" content="late"></body>`;
    assert.deepEqual(parsePreview(html, URL_), { url: URL_, title: 'T' });
  });

  it('cuts fields to their limits', () => {
    const long = 'x'.repeat(5000);
    const p = parsePreview(
      `<title>${long}</title><meta name="description" content="${long}">`,
      URL_,
    )!;
    assert.equal([...p.title!].length, PREVIEW_LIMITS.title);
    assert.equal([...p.description!].length, PREVIEW_LIMITS.description);
  });
});
