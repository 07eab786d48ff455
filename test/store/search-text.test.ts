/**
 * Folding (src/store/search-text.ts): the short cut for printable ASCII gives exactly what the
 * full per-code-point fold gives, so stored documents and queries still match alike.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fold, foldWithMap } from '../../src/store/search-text.js';

describe('fold', () => {
  it('gives the full fold of every printable ASCII text, spaces and runs of them included', () => {
    const texts = ['Hello World', 'a  b', ' x ', '  ', '', 'ABC~!{}|', 'x   Y  z'];
    // Deterministic pseudo-random ASCII, controls (tab, newline, DEL) included.
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      let t = '';
      for (let k = 0; k < 10; k++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        t += String.fromCharCode(seed % 128);
      }
      texts.push(t);
    }
    for (const t of texts) assert.equal(fold(t), foldWithMap(t).text, JSON.stringify(t));
  });

  it('still folds width, accents and whitespace outside ASCII', () => {
    assert.equal(fold('Ｆｕｌｌ Café\u00a0\u00a0Ünïcode'), 'full cafe unicode');
    assert.equal(fold('tab\t\tthen\nline'), 'tab then line');
  });
});
