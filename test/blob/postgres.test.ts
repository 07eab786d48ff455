import { PostgresBlobStore } from '../../src/blob/postgres.js';
import { describeWithPostgres } from '../store/backends.js';
import { blobConformance } from './conformance.js';

describeWithPostgres('PostgresBlobStore', (server) => {
  blobConformance('postgres', async () => PostgresBlobStore.open(await server().freshUrl()));
});
