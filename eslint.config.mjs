import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', 'data', '.nx', 'bench/results', 'tmp'] },
  {
    files: ['**/*.ts'],
    rules: {
      // The architecture as a check: who may import whom (see docs/CONVENTIONS.md).
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:protocol', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:shared', 'scope:adapter', 'scope:protocol'] },
            { sourceTag: 'scope:adapter', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:shared', 'scope:adapter'] },
            { sourceTag: 'scope:feature', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:shared', 'scope:adapter', 'scope:protocol'] },
            { sourceTag: 'scope:composition', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:shared', 'scope:adapter', 'scope:protocol', 'scope:feature'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:contracts', 'scope:shared', 'scope:adapter', 'scope:composition'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // No regular expression is built at run time (issue 11): a pattern made from input can take a
    // backtracking engine exponential time and freeze the process. Match such input with code of
    // known cost (e.g. ListPattern); a fixed expression is a literal /.../.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.spec-helper.ts', 'test/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='RegExp']", message: 'no regular expressions built at run time (ReDoS); see docs/security.md' },
        { selector: "CallExpression[callee.name='RegExp']", message: 'no regular expressions built at run time (ReDoS); see docs/security.md' },
      ],
    },
  },
  {
    // In a test a wrong `!` throws at once and fails the test, which is what an assertion would do;
    // non-null assertions are worth a warning in shipped code only.
    files: ['**/*.spec.ts', '**/*.spec-helper.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Protocol libraries are pure: no NestJS, no sockets, no storage.
    files: ['libs/imap-protocol/src/**/*.ts', 'libs/pop3-protocol/src/**/*.ts', 'libs/mime/src/**/*.ts', 'libs/srs/src/**/*.ts', 'libs/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: 'protocol libraries do not depend on NestJS' },
            { group: ['node:net', 'node:tls', 'net', 'tls', 'node:fs', 'fs', 'node:fs/*', 'pg', '@electric-sql/*', 'minio', '@nats-io/*'], message: 'protocol libraries do no I/O' },
          ],
        },
      ],
    },
  },
];
