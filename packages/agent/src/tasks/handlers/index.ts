// The handler registry: one entry per TaskKind of the shared catalogue, one file per kind group.
import type { HandlerRegistry } from '../types.js';
import { envHandlers } from './env.js';

export const HANDLERS: HandlerRegistry = {
  ...envHandlers,
};
