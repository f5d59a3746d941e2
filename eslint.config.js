import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // An ES import of these CommonJS packages costs every start 100-150 ms of CPU more than require() (see src/queue/bullmq.ts).
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'bullmq', allowTypeImports: true, message: 'take its values from src/queue/bullmq.ts (loaded with require)' },
            { name: 'ioredis', allowTypeImports: true, message: 'take its values from src/queue/ioredis.ts (loaded with require)' },
          ],
        },
      ],
    },
  },
);
