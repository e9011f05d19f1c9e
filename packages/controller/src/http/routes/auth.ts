// REST: /api/v1/auth — the only API routes reachable without a token: sign in with email and
// password, exchange a one-time sign-in link; and, with a token, the signed-in user, setting
// one's password, an admin's invitation link for a member without one, and sign-out (tokens are
// stateless JWTs: the client drops its copy).
// Sign-in attempts are rate limited per email and per client address, before any password work.
import { Hono } from 'hono';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import {
  authUserSchema,
  inviteLinkRequestSchema,
  inviteLinkSchema,
  linkExchangeSchema,
  loginSchema,
  sessionSchema,
  setPasswordSchema,
} from '@oec/shared';
import { authenticate } from '../../auth/authenticate.js';
import { inviteLink } from '../../auth/invites.js';
import { currentUser, exchangeSignInLink, login, setOwnPassword } from '../../auth/sessions.js';
import type { AppDeps } from '../../deps.js';
import { createRateLimiter, takeToken } from '../../rate-limit.js';
import type { AppEnv } from '../env.js';
import { readBody, reply } from '../validate.js';

/** Attempts per minute: per email (guessing one account), per address (spraying many). */
export const LOGIN_PER_EMAIL_PER_MINUTE = 10;
export const LOGIN_PER_ADDRESS_PER_MINUTE = 30;

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function authRoutes(deps: AppDeps): Hono<AppEnv> {
  const byEmail = createRateLimiter({ perMinute: LOGIN_PER_EMAIL_PER_MINUTE, clock: deps.clock });
  const byAddress = createRateLimiter({ perMinute: LOGIN_PER_ADDRESS_PER_MINUTE, clock: deps.clock });
  const r = new Hono<AppEnv>();

  r.post('/login', async (c) => {
    takeToken(byAddress, clientAddress(c));
    const input = await readBody(c, loginSchema);
    takeToken(byEmail, input.email);
    return reply(c, sessionSchema, await login(deps, input.email, input.password));
  });
  r.post('/link', async (c) => {
    takeToken(byAddress, clientAddress(c));
    const input = await readBody(c, linkExchangeSchema);
    return reply(c, sessionSchema, await exchangeSignInLink(deps, input.token));
  });
  r.post('/logout', (c) => c.body(null, 204));
  r.get('/me', async (c) => {
    const actor = await authenticate(deps, c.req.header('authorization'));
    return reply(c, authUserSchema, await currentUser(deps, actor.id));
  });
  r.post('/password', async (c) => {
    const actor = await authenticate(deps, c.req.header('authorization'));
    takeToken(byEmail, actor.email);
    const input = await readBody(c, setPasswordSchema);
    return reply(c, authUserSchema, await setOwnPassword(deps, actor.id, input));
  });
  r.post('/invite', async (c) => {
    const actor = await authenticate(deps, c.req.header('authorization'));
    takeToken(deps.mutationLimiter, actor.id);
    const input = await readBody(c, inviteLinkRequestSchema);
    return reply(c, inviteLinkSchema, await inviteLink(deps, actor, input));
  });
  return r;
}
