// In-process clone helpers (agent tasks on a real cluster, database facts) for tests and benchmarks.
export * from './agent-context.js';
export * from './db-facts.js';
