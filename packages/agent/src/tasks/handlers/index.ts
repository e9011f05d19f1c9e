// The handler registry: one entry per TaskKind of the shared catalogue, one file per kind group.
import { NO_HOOKS, type CloneHooks } from '../../clone/context.js';
import type { HandlerRegistry } from '../types.js';
import { cloneHandlers } from './clone.js';
import { envHandlers } from './env.js';

export function createHandlers(hooks: CloneHooks = NO_HOOKS): HandlerRegistry {
  return { ...envHandlers, ...cloneHandlers(hooks) };
}

export const HANDLERS: HandlerRegistry = createHandlers();
