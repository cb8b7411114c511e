// Flat config: typescript-eslint's recommended rules for the whole repo; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp/**',
      'widget/host/vendor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // The boundaries of docs/ARCHITECTURE.md (issue 11). A domain reaches another domain through its
  // service (`x.service.ts`, the door), never through its repository; `audit/audit.ts` and
  // `outbox/outbox.ts` are the doors every domain may record through in its own transaction.
  // Only route files (`*.routes.ts`) and the edge itself may use `http/`: the domain never sees a request.
  {
    files: ['server/src/**/*.ts'],
    ignores: [
      'server/src/**/*.test.ts',
      'server/src/**/*.routes.ts',
      'server/src/http/**',
      'server/src/main.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*/*.repository'],
              message: "Another domain's repository: import its service (the domain's door) instead.",
            },
            {
              group: ['../http/*', '../http'],
              message: 'The domain imports nothing from http/: throw a domain error (errors.ts) instead.',
            },
          ],
        },
      ],
    },
  },
  {
    // A domain's queries are in its repository (`x.repository.ts`); services and the other domain files decide
    // and call it: no query builder outside a repository. The three one-file modules that are their table's
    // door (`audit/audit.ts`, `outbox/outbox.ts`, `idempotency/idempotency.ts`) are their own repository. The
    // `sql` tag stays allowed for what is not a table's query — advisory locks, savepoints — and for a
    // statement composed of the repository's own fragments, as the lean payment and the settlement run do.
    files: ['server/src/**/*.ts'],
    ignores: [
      'server/src/**/*.repository.ts',
      'server/src/**/*.test.ts',
      'server/src/**/*.routes.ts',
      'server/src/db/**',
      'server/src/audit/audit.ts',
      'server/src/outbox/outbox.ts',
      'server/src/idempotency/idempotency.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom)$/]',
          message: 'Queries live in the domain repository: move this one there and call it from here.',
        },
      ],
    },
  },
  {
    // A route validates, calls its domain (its service, or its own repository for a plain read) and
    // shapes the answer; it holds no SQL and reaches no other domain's repository.
    files: ['server/src/**/*.routes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', importNames: ['sql'], message: 'Routes hold no SQL.' }],
          patterns: [
            {
              group: ['../*/*.repository'],
              message: "Another domain's repository: import its service (the domain's door) instead.",
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|transaction)$/]',
          message: 'Routes hold no SQL: move the query to the domain repository, the write to its service.',
        },
      ],
    },
  },
);
