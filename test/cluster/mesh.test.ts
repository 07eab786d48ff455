import { clusterSuite } from './suite.js';

// No broker: the nodes dial each other; the failure case is a node kill (last case).
clusterSuite(
  'mesh',
  async () => ({ bus: 'mesh' }),
  async () => {},
  false,
);
