// Sensitive models of a project (issue 13, the full preset): the Odoo models whose attachments
// replace_sensitive_attachments replaces by placeholders. Validated by the shared schema when
// saved (model-name pattern, at most 100, no duplicates); frozen in each clone's plan.
export const id = '0008_sensitive_models';

export const sql = `
ALTER TABLE projects ADD COLUMN sensitive_models text[] NOT NULL DEFAULT '{}'
  CONSTRAINT projects_sensitive_models_max CHECK (cardinality(sensitive_models) <= 100);
`;
