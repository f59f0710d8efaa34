// Lint rules for all TypeScript and Vue code (run by `npm test` through `npm run lint`). typescript-eslint's
// strict set with `any` forbidden, Vue's recommended rules, and Prettier owning layout (eslint-config-prettier
// turns off every rule that would fight it), as in the electron-vite templates.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'docs/**', 'resources/**', 'training/**', 'test/fixtures/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } }
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_`-prefixed names are deliberately unused (destructuring a field away, a required callback slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }
      ],
      // Non-null assertions are allowed where a preceding check proves the value (TypeScript cannot see it).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Vue components here are single-word by design (App, Toolbar) and live in one app.
      'vue/multi-word-component-names': 'off'
    }
  },
  prettier
)
