// Public surface of the agent's PostgreSQL helpers (also used by the test harness and the demo).
export * from './cluster.js';
export * from './owned.js';
export * from './sql.js';
export * from './target.js';
export * from './cow/index.js';
