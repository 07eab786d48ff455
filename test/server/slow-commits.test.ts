/**
 * The slow SQLite commit warning: commits under the mark are never reported, the first slow one
 * is at once, and the ones within the interval after a warning go into the next one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  slowCommitWarner,
  SLOW_COMMIT_SECONDS,
  SLOW_COMMIT_WARN_INTERVAL_MS,
  type SlowCommitReport,
} from '../../src/server/slow-commits.js';

describe('slowCommitWarner', () => {
  const make = () => {
    const reports: SlowCommitReport[] = [];
    let now = 1_000_000;
    const observe = slowCommitWarner(
      (r) => reports.push(r),
      () => now,
    );
    return { reports, observe, advance: (ms: number) => (now += ms) };
  };

  it('says nothing of commits under the mark, or of a NaN', () => {
    const { reports, observe } = make();
    for (const s of [0, 0.001, SLOW_COMMIT_SECONDS - 0.001, NaN]) observe(s);
    assert.deepEqual(reports, []);
  });

  it('warns of the first slow commit at once and of the later ones at most once per interval', () => {
    const { reports, observe, advance } = make();
    observe(SLOW_COMMIT_SECONDS);
    assert.deepEqual(reports, [{ slowestSeconds: SLOW_COMMIT_SECONDS, slowCommits: 1 }]);
    advance(1000);
    observe(2);
    observe(0.7);
    observe(0.01);
    assert.equal(reports.length, 1, 'within the interval: counted, not logged');
    advance(SLOW_COMMIT_WARN_INTERVAL_MS);
    observe(0.6);
    assert.deepEqual(reports[1], { slowestSeconds: 2, slowCommits: 3 });
    advance(SLOW_COMMIT_WARN_INTERVAL_MS);
    observe(0.9);
    assert.deepEqual(reports[2], { slowestSeconds: 0.9, slowCommits: 1 }, 'counts start afresh');
  });
});
