// The Worker's own tests, run inside the Workers runtime (workerd) by the Workers Vitest
// integration, with the D1 binding of wrangler.jsonc and the migrations applied before each file.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
          ENVIRONMENT: "local",
          PRELOGIN_SECRET: "local-dev-prelogin-secret-for-the-worker-tests-only",
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.js"],
    setupFiles: ["./test/setup.js"],
  },
});
