import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Module boundaries (modules import each other only through index.ts) are
// checked by src/architecture.test.ts, which understands relative paths.
export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.tmp/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // stripping control characters from user input is deliberate
      'no-control-regex': 'off',
    },
  },
);
