// A project's sanitization settings: strict mode (a clone fails before it starts while a column
// that looks like personal data is covered by no option) and the columns marked as kept on purpose.
export const id = '0004_project_sanitization';

export const sql = `
ALTER TABLE projects ADD COLUMN sanitization_strict boolean NOT NULL DEFAULT false;
ALTER TABLE projects ADD COLUMN personal_data_kept text[] NOT NULL DEFAULT '{}';
`;
