import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

// The folders of src/ from the bottom up: a folder imports only the folders before it
// (docs/decisions.md, "Layout"). The files at the top of src/ (errors, clock, version) sit
// with platform/ at the bottom; src/index.ts, the public API, at the top.
const layers = [
  "platform",
  "config",
  "model",
  "binaries",
  "supervisor",
  "control",
  // Served by the host over the host's ControlTarget: above control/, below host/ (which starts it).
  "dashboard",
  "host",
  "monitor",
  "mcp",
  // The app model as files for Compose and Kubernetes: reads the config and the state only.
  "publish",
  "cli",
];
const layerZones = layers.map((layer, i) => ({
  target: `./src/${layer}`,
  from: layers.slice(i + 1).map((above) => `./src/${above}`),
  message: `${layer}/ sits below these folders in the data flow; move what both need down.`,
}));
const rootZone = {
  target: "./src/!(index).ts",
  from: layers.slice(1).map((above) => `./src/${above}/**`),
  message: "the files at the top of src/ sit below every folder but platform/.",
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "**/.berth/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // bin/berth.cjs: CommonJS, so that starting the CLI never loads the ES module loader.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // The dashboard page's script runs in the browser.
    files: ["src/dashboard/browser/**/*.ts"],
    languageOptions: { globals: globals.browser },
  },
  {
    // Imports point one way: no cycle between modules, no import from a higher folder.
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver()],
    },
    rules: {
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": [
        "error",
        { basePath: import.meta.dirname, zones: [...layerZones.slice(0, -1), rootZone] },
      ],
    },
  },
  {
    // Type-aware: an un-awaited promise is caught here rather than by review.
    files: ["src/**/*.ts", "test/**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
);
