// One linter for the whole tree: typescript-eslint with type information.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      '.artifacts/**',
      'bench/results/**',
      'bench/.peer/**',
      '**/*.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: './tsconfig.check.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Header maps are plain objects edited by name; a Map would not fit the HTTP libraries.
      '@typescript-eslint/no-dynamic-delete': 'off',
      'no-console': 'error',
    },
  },
  {
    files: [
      '**/*.test.ts',
      '**/*.contract.ts',
      '**/test-support/**',
      'e2e/**',
      'faults/**',
      'bench/**',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // HTTP test clients return untyped JSON; the assertions are what check its shape.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // response.json<Shape>() reads better than a cast at every call.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  prettier,
);
