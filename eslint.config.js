// Lint: TypeScript's recommended rules, plus the import boundaries of STYLE.md:
// plan/ and views/ are pure (no AWS SDK, no file system, no process), config/ sends nothing;
// and no SDK paginator is iterated bare.
import tseslint from 'typescript-eslint';

const pure = {
  patterns: [
    { group: ['@aws-sdk/*', '@smithy/*'], message: 'pure modules do not talk to AWS' },
    { group: ['node:fs', 'node:fs/*', 'fs', 'fs/*', 'node:child_process'], message: 'pure modules do no I/O' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', '.orgvend/', '.scratch/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/plan/**/*.ts', 'src/views/**/*.ts', 'src/scp/evaluate.ts', 'src/scp/validate.ts', 'src/scp/model.ts'],
    rules: {
      'no-restricted-imports': ['error', pure],
      'no-restricted-globals': ['error', { name: 'process', message: 'pass what you need in; pure modules do not read process' }],
    },
  },
  {
    // A bare SDK paginator follows a repeated next token for ever (src/aws/pages.ts).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ForOfStatement > CallExpression.right[callee.name=/^paginate[A-Z]/]', message: 'wrap the SDK paginator in everyPage (src/aws/pages.ts), which stops on a repeated next token' },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pure.patterns[0]] }],
    },
  },
);
