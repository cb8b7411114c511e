import { main } from './importer';

/**
 * `npm run import -- <file.csv|file.jsonl> [--url <server>] [--key <billing key>]`: imports billing's payment
 * history through `POST /api/v1/payments/batch` (see importer.ts and docs/OPERATIONS.md). Exit code 0 when every
 * row was created or replayed, 1 when some were rejected, 2 when the import could not run.
 */
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`import: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
