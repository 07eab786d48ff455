export { openStore, type StoreBackend } from './open-store.js';
export type { Store, StoreOptions } from './store.js';
