// Dashboard sign-in: a scrypt password hash per user (null: the user signs in by link until they
// set one) and one-time sign-in links, stored as the sha256 of their token (never the token).
export const id = '0005_auth';

export const sql = `
ALTER TABLE users ADD COLUMN password_hash text;
ALTER TABLE users ADD COLUMN password_set_at timestamptz;

CREATE TABLE sign_in_links (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX sign_in_links_user_idx ON sign_in_links (user_id);
COMMENT ON TABLE sign_in_links IS 'One-time sign-in links: sha256 of the token, single use, short-lived';
`;
