// The handler registry: one entry per TaskKind of the shared catalogue, one file per kind group.
import { NO_HOOKS, type CloneHooks } from '../../clone/context.js';
import type { TransferDeps } from '../../clone/transfer/common.js';
import type { HandlerRegistry } from '../types.js';
import { agentHandlers } from './agent.js';
import { cloneHandlers } from './clone.js';
import { envHandlers } from './env.js';

/** Without a peer endpoint the agent can still send, but not receive, cross-server clones. */
const NO_PEER: TransferDeps = { peer: null, timeoutMs: 30_000, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } };

export function createHandlers(hooks: CloneHooks = NO_HOOKS, transfer: TransferDeps = NO_PEER): HandlerRegistry {
  return { ...envHandlers, ...agentHandlers, ...cloneHandlers(hooks, transfer) };
}

export const HANDLERS: HandlerRegistry = createHandlers();
