import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { busConformance } from './conformance.js';

let hub = new MemoryHub();

busConformance('MemoryBus', {
  async create(nodeId) {
    return new MemoryBus(hub, nodeId);
  },
  async cleanup() {
    hub = new MemoryHub();
  },
});
