// ESLint flat config: `npm run lint` runs it with --max-warnings 0 (and Prettier --check, and the
// Python lint); `npm run format` applies the fixes. Formatting is Prettier's job alone:
// eslint-config-prettier comes last and turns off every stylistic rule that would fight it.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Every eslint-disable comment says why, after ESLint's ` -- ` separator (unused ones are errors too,
// through reportUnusedDisableDirectives below).
const local = {
  rules: {
    'disable-needs-reason': {
      meta: { type: 'suggestion', schema: [], messages: { missing: 'Give this {{kind}} comment its reason after " -- ".' } },
      create(context) {
        return {
          Program() {
            for (const c of context.sourceCode.getAllComments()) {
              const m = /^\s*(eslint-disable(?:-next-line|-line)?|eslint-enable)\b/.exec(c.value);
              if (m && m[1] !== 'eslint-enable' && !/\s--\s+\S/.test(c.value)) {
                context.report({ loc: c.loc, messageId: 'missing', data: { kind: m[1] } });
              }
            }
          },
        };
      },
    },
  },
};

export default defineConfig(
  // Build output, dependencies, scratch space; models/ is Python (flake8) and model files.
  globalIgnores(['**/dist/', '**/node_modules/', '.tmp/', 'coverage/', 'models/', 'docs/']),
  {
    plugins: { local },
    rules: { 'local/disable-needs-reason': 'error' },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
      reportUnusedInlineConfigs: 'error',
    },
  },
  js.configs.recommended,
  // Not the type-checked set: with type information a full run took 92 s (38 s CPU) on two shared
  // cores against 12 s without, and 1,600 of its findings were no-unsafe-* on untyped response JSON.
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (rest-destructuring to drop a key, positional
      // parameters an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  // CommonJS sources: the CLI entry, the worker-thread script, the test summary.
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The SDK runs in browsers too.
  {
    files: ['libs/sdk/src/**/*.ts', 'test/sdk/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
);
