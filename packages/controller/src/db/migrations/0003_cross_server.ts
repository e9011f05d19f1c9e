// Cross-server clones: an operation names the server of its source besides the server of its
// target (`server_id`, where the target environment lives and where sanitize, verify, cleanup
// and purge run). Same-server operations have both equal.
export const id = '0003_cross_server';

export const sql = `
ALTER TABLE clone_operations ADD COLUMN source_server_id uuid REFERENCES servers (id);
UPDATE clone_operations SET source_server_id = server_id;
ALTER TABLE clone_operations ALTER COLUMN source_server_id SET NOT NULL;
COMMENT ON COLUMN clone_operations.server_id IS 'The target''s server: prepare, receive, sanitize, verify, cleanup and purge run there';
COMMENT ON COLUMN clone_operations.source_server_id IS 'The source''s server: validate and send run there (equal to server_id on one server)';
CREATE INDEX clone_operations_source_server_active_idx ON clone_operations (source_server_id, status)
  WHERE status NOT IN ('completed', 'failed', 'cancelled');
`;
