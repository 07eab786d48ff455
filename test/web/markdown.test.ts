/**
 * The page's message renderer (src/web/markdown.ts) without a browser: what tree of allowed
 * tags and strings a message becomes. The browser tests check the DOM built from it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINK_REL, parseMessage, safeHref, type MdNode } from '../../src/web/markdown.js';

const link = (href: string, text = href): MdNode => ({
  tag: 'a',
  attrs: { href, target: '_blank', rel: LINK_REL },
  children: [text],
});
const p = (...children: MdNode[]): MdNode => ({ tag: 'p', children });

/** Every tag and attribute in a tree, flattened. */
function tagsOf(nodes: MdNode[]): string[] {
  return nodes.flatMap((n) =>
    typeof n === 'string'
      ? []
      : [
          n.tag,
          ...Object.entries(n.attrs ?? {}).map(([k, v]) => `${k}=${v}`),
          ...tagsOf(n.children),
        ],
  );
}

/** The text a tree shows. */
function textOf(nodes: MdNode[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : textOf(n.children))).join('');
}

describe('message markdown', () => {
  it('keeps plain text as one paragraph, newlines included', () => {
    assert.deepEqual(parseMessage('hello\nworld'), [p('hello', '\n', 'world')]);
  });

  it('renders bold, italic and inline code', () => {
    assert.deepEqual(parseMessage('**b** *i* _j_ `c <x>`'), [
      p(
        { tag: 'strong', children: ['b'] },
        ' ',
        { tag: 'em', children: ['i'] },
        ' ',
        { tag: 'em', children: ['j'] },
        ' ',
        { tag: 'code', children: ['c <x>'] },
      ),
    ]);
  });

  it('renders a fenced code block with its whitespace kept', () => {
    assert.deepEqual(parseMessage('```\n  if (a) {\n\tb();\n  }\n```'), [
      { tag: 'pre', children: [{ tag: 'code', children: ['  if (a) {\n\tb();\n  }'] }] },
    ]);
  });

  it('renders quotes and lists, an ordered list keeping its start', () => {
    assert.deepEqual(parseMessage('> quoted'), [{ tag: 'blockquote', children: [p('quoted')] }]);
    assert.deepEqual(parseMessage('- one\n- two'), [
      {
        tag: 'ul',
        children: [
          { tag: 'li', children: ['one'] },
          { tag: 'li', children: ['two'] },
        ],
      },
    ]);
    assert.deepEqual(parseMessage('3. three\n4. four'), [
      {
        tag: 'ol',
        attrs: { start: '3' },
        children: [
          { tag: 'li', children: ['three'] },
          { tag: 'li', children: ['four'] },
        ],
      },
    ]);
  });

  it('makes http, https and mailto URLs links that open safely', () => {
    assert.deepEqual(parseMessage('see https://example.com/a?b=1 now'), [
      p('see ', link('https://example.com/a?b=1'), ' now'),
    ]);
    assert.deepEqual(parseMessage('<http://example.org>'), [p(link('http://example.org'))]);
    assert.deepEqual(parseMessage('mail ann@example.com'), [
      p('mail ', link('mailto:ann@example.com', 'ann@example.com')),
    ]);
  });

  it('shows a link as typed: no punycode or percent decoding in its text', () => {
    for (const url of ['https://xn--pple-43d.com/', 'https://example.com/%E2%80%AE%20x'])
      assert.deepEqual(parseMessage(url), [p(link(url))]);
  });

  it('leaves headings, images, [text](url) links, entities and raw HTML as typed', () => {
    // The URL inside an image or a [text](url) still becomes a link of its own.
    for (const text of ['![x](https://example.com/a.png)', '[x](https://example.com)']) {
      assert.equal(textOf(parseMessage(text)), text);
      assert.deepEqual(
        tagsOf(parseMessage(text)).filter((t) => !t.includes('=')),
        ['p', 'a'],
      );
    }
    for (const text of [
      '# not a heading',
      '&lt;b&gt; &amp; &#60;',
      '<b>bold?</b>',
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      'README.md and example.com are no links',
    ])
      assert.deepEqual(parseMessage(text), [p(text)], text);
  });

  it('never makes a link of javascript:, data:, vbscript: or file: URLs', () => {
    for (const text of [
      '[x](javascript:alert(1))',
      '<javascript:alert(1)>',
      'javascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      '<data:text/html,<script>alert(1)</script>>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '<file:///etc/passwd>',
      'ftp://example.com/x',
    ]) {
      const tags = tagsOf(parseMessage(text));
      assert.ok(!tags.includes('a'), `${text} became ${JSON.stringify(parseMessage(text))}`);
    }
  });

  it('accepts only absolute http, https and mailto hrefs', () => {
    assert.equal(safeHref('https://x.test/'), 'https://x.test/');
    assert.equal(safeHref('MAILTO:a@b.test'), 'MAILTO:a@b.test');
    for (const bad of ['javascript:alert(1)', ' JaVaScRiPt:x', 'data:,x', '//x.test', '/a', 'x'])
      assert.equal(safeHref(bad), null, bad);
  });

  it('only ever produces the allowed tags', () => {
    const allowed = new Set([
      'p',
      'strong',
      'em',
      'code',
      'pre',
      'blockquote',
      'ul',
      'ol',
      'li',
      'a',
    ]);
    const text =
      '# h\n\n> **q** *e*\n\n- `c`\n1. x\n\n```js\ny\n```\n\n---\n\n| a |\n|---|\n\n<div>x</div>';
    for (const tag of tagsOf(parseMessage(text)).filter((t) => !t.includes('=')))
      assert.ok(allowed.has(tag), tag);
  });
});
