// Dashboard sign-in: email + password, a one-time sign-in link exchanged for an API token, the
// signed-in user, and setting one's own password. Passwords and tokens are never echoed back.
import { z } from 'zod';

/** Long enough to resist guessing, short enough that scrypt's input stays small. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
export const passwordSchema = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

export const loginSchema = z
  .object({ email: z.string().trim().toLowerCase().email().max(320), password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict();
export type Login = z.infer<typeof loginSchema>;

export const linkExchangeSchema = z.object({ token: z.string().min(16).max(200) }).strict();
export type LinkExchange = z.infer<typeof linkExchangeSchema>;

export const setPasswordSchema = z
  .object({ password: passwordSchema, current_password: z.string().max(PASSWORD_MAX_LENGTH).optional() })
  .strict();
export type SetPassword = z.infer<typeof setPasswordSchema>;

export const authUserSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  is_platform_admin: z.boolean(),
  has_password: z.boolean(),
});
export type AuthUser = z.infer<typeof authUserSchema>;

export const sessionSchema = z.object({
  token: z.string(),
  expires_at: z.string(),
  user: authUserSchema,
});
export type Session = z.infer<typeof sessionSchema>;

/** An organization admin's invitation: a one-time sign-in link for a member without a password. */
export const inviteLinkRequestSchema = z
  .object({ organization_id: z.string().uuid(), email: z.string().trim().toLowerCase().email().max(320) })
  .strict();
export type InviteLinkRequest = z.infer<typeof inviteLinkRequestSchema>;

export const inviteLinkSchema = z.object({
  email: z.string(),
  /** The link's token: the dashboard opens `/sign-in#link=<token>`. Shown once. */
  token: z.string(),
  expires_at: z.string(),
});
export type InviteLink = z.infer<typeof inviteLinkSchema>;
