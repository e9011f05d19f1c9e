// Public surface of the agent's PostgreSQL helpers (also used by the test harness and the demo).
export * from './cluster.js';
