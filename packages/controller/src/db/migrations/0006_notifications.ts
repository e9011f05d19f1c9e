// Notifications: per-project webhooks, a durable outbox filled by a trigger in the same
// transaction that ends an operation (completed, failed, cancelled — wherever that happens:
// complete, fail, cancel, restart recovery), the webhook delivery log, and email opt-outs.
export const id = '0006_notifications';

export const sql = `
CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  url text NOT NULL,
  secret text NOT NULL,
  events text[] NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_project_idx ON webhooks (project_id);
COMMENT ON COLUMN webhooks.secret IS 'HMAC-SHA256 signing key; shown once at creation, never answered again';

CREATE TABLE notification_opt_outs (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification_outbox (
  id bigserial PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
  event text NOT NULL,
  operation_id uuid NOT NULL REFERENCES clone_operations (id) ON DELETE CASCADE,
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  webhook_id uuid REFERENCES webhooks (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'skipped', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((channel = 'email') = (user_id IS NOT NULL) AND (channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE state = 'pending';
CREATE UNIQUE INDEX notification_outbox_email_once ON notification_outbox (operation_id, user_id) WHERE channel = 'email';
CREATE UNIQUE INDEX notification_outbox_webhook_once ON notification_outbox (operation_id, webhook_id) WHERE channel = 'webhook';

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  outbox_id bigint NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
  event text NOT NULL,
  operation_id uuid NOT NULL,
  attempt integer NOT NULL,
  status_code integer,
  success boolean NOT NULL,
  error text,
  duration_ms integer NOT NULL,
  delivered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

CREATE FUNCTION clone_operation_ended_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('completed', 'failed', 'cancelled') AND OLD.status NOT IN ('completed', 'failed', 'cancelled') THEN
    INSERT INTO notification_outbox (channel, event, operation_id, user_id)
      VALUES ('email', 'clone.' || NEW.status, NEW.id, NEW.requested_by)
      ON CONFLICT DO NOTHING;
    INSERT INTO notification_outbox (channel, event, operation_id, webhook_id)
      SELECT 'webhook', 'clone.' || NEW.status, NEW.id, w.id
        FROM webhooks w
       WHERE w.project_id = NEW.project_id AND w.active AND ('clone.' || NEW.status) = ANY (w.events)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER clone_operations_ended_notify AFTER UPDATE OF status ON clone_operations
  FOR EACH ROW EXECUTE FUNCTION clone_operation_ended_notify();
`;
