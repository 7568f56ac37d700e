import { describe, expect, it } from "vitest";
import { call, expectError, newEmail } from "./helpers.js";
import { configProblem } from "../src/config.js";

const strong = "Zq8vN3kP0wLr7XyT2bHs9dGf4mJc6aQe1uVn5iKo";

describe("secrets outside local mode", () => {
  it("refuses every request when the secret is missing, short or a development value", async () => {
    for (const PRELOGIN_SECRET of [undefined, "", "short-secret", `local-dev-${strong}`, "dreamtree-dev-prelogin-secret-not-for-production"]) {
      const r = await call("POST", "/v1/prelogin", { body: { email: newEmail() },
        envOverrides: { ENVIRONMENT: undefined, PRELOGIN_SECRET } });
      const body = await expectError(r, 500, "misconfigured");
      expect(JSON.stringify(body)).not.toContain("PRELOGIN");
    }
    const ok = await call("POST", "/v1/prelogin", { body: { email: newEmail() },
      envOverrides: { ENVIRONMENT: "production", PRELOGIN_SECRET: strong } });
    expect(ok.status).toBe(200);
  });

  it("accepts generated development secrets in local mode only", () => {
    expect(configProblem({ ENVIRONMENT: "local", PRELOGIN_SECRET: "local-dev-abc" })).toBeNull();
    expect(configProblem({ PRELOGIN_SECRET: "local-dev-abc" })).toMatch(/PRELOGIN_SECRET/);
    expect(configProblem({ ENVIRONMENT: "local" })).toBe("PRELOGIN_SECRET is not set");
  });
});
