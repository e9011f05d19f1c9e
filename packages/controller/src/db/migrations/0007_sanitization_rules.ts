// Custom sanitization rules: a project's ordered list as one jsonb array (PUT replaces it whole;
// validated by the shared schema when saved, at most 200 rules), and each clone's per-rule results.
// The rules a clone applies are frozen in its plan (clone_operations.plan) when it is requested.
export const id = '0007_sanitization_rules';

export const sql = `
ALTER TABLE projects ADD COLUMN sanitization_rules jsonb NOT NULL DEFAULT '[]'
  CONSTRAINT projects_sanitization_rules_list CHECK (
    CASE WHEN jsonb_typeof(sanitization_rules) = 'array' THEN jsonb_array_length(sanitization_rules) <= 200 ELSE false END
  );
ALTER TABLE projects ADD COLUMN sanitization_rules_updated_at timestamptz;
ALTER TABLE clone_operations ADD COLUMN sanitization_rule_results jsonb NOT NULL DEFAULT '[]';
`;
