// Lint of the Worker, its tests and configs (ESLint flat config).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".wrangler/", ".wrangler-config/"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // The Workers runtime offers the web platform's globals (fetch, crypto, streams, ...).
      globals: { ...globals.serviceworker, ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      complexity: ["error", 25],
    },
  },
  { files: ["vitest.config.js", "eslint.config.js"], languageOptions: { globals: globals.node } },
];
