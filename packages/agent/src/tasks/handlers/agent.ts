// Agent-wide tasks: reconciliation of what crashed operations left on this server (decision 0017).
import { reconcile } from '../../clone/reconcile.js';
import type { HandlerRegistry } from '../types.js';

export const agentHandlers: Pick<HandlerRegistry, 'agent.reconcile'> = {
  'agent.reconcile': (input, ctx) => reconcile(input, ctx),
};
