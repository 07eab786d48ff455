import { MemoryTransport, type MemoryClient } from '../../src/transport/memory.js';
import { transportConformance, type TestPeer } from './conformance.js';

function peer(c: MemoryClient): TestPeer {
  return {
    sendText: (t) => c.sendText(t),
    sendBinary: () => c.sendBinary(),
    received: () => c.messages,
    closed: async () => {
      while (c.closeCode === null) await c.changed();
      return c.closeCode;
    },
    close: () => c.drop(),
  };
}

transportConformance('memory', {
  create: async () => {
    const transport = new MemoryTransport();
    return { transport, connect: async () => peer(transport.connect()), dispose: async () => {} };
  },
});
