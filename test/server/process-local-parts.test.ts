/**
 * A node whose store or blob store lives in its own memory, started on a bus other nodes may
 * share, says at start that they will not see what it keeps (src/server/process-local-parts.ts).
 * Real nodes on a MemoryBus; the warnings are what their logger received.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { startSwitchboard } from '../../src/index.js';
import { silentLogger, type Logger } from '../../src/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-process-local-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a node with these settings (and bus) and returns the messages it warned at start-up. */
async function warnings(
  bus: MemoryBus | undefined,
  settings: { store: string; blobs?: string },
): Promise<string[]> {
  const warned: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_obj, msg) => warned.push(msg ?? '') };
  const server = await startSwitchboard(
    { port: 0, host: '127.0.0.1', web: false, shutdownTimeout: 500, dataDir: dir, ...settings },
    { logger, ...(bus ? { bus } : {}) },
  );
  await server.stop();
  return warned;
}
const onBus = (id: string) => new MemoryBus(new MemoryHub(), id);
/** What each warning is about: its words before " is this process's alone". */
const about = (warned: string[]) => warned.map((m) => m.split(" is this process's alone")[0]);

describe('a process-local store or blob store on a shared bus', () => {
  it('warns once per such part', async () => {
    // The blob store follows a memory store by default.
    assert.deepEqual(about(await warnings(onBus('n1'), { store: 'memory:' })), [
      'store memory:',
      'blobs memory:',
    ]);
    const sqliteInMemory = { store: 'sqlite::memory:', blobs: `fs:${join(dir, 'b1')}` };
    assert.deepEqual(about(await warnings(onBus('n2'), sqliteInMemory)), ['store sqlite::memory:']);
    const memoryBlobs = { store: `sqlite:${join(dir, 'a.db')}`, blobs: 'memory:' };
    assert.deepEqual(about(await warnings(onBus('n3'), memoryBlobs)), ['blobs memory:']);
  });

  it('says nothing without a bus, or for shared parts on it', async () => {
    assert.deepEqual(await warnings(undefined, { store: 'memory:' }), []);
    const shared = { store: `sqlite:${join(dir, 'b.db')}`, blobs: `fs:${join(dir, 'b2')}` };
    assert.deepEqual(await warnings(onBus('n4'), shared), []);
  });
});
