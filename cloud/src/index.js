// DreamTree cloud account service (Cloudflare Worker + D1). Protocol: docs/sync-protocol.md.

import { ApiError, errorResponse } from "./http.js";
import { Router } from "./router.js";
import { changePassword, deleteAccount, login, logout, prelogin } from "./accounts.js";
import { createAccount, verifyAccount } from "./signup.js";
import { confirmReset, requestReset } from "./reset.js";
import { getSnapshot, putSnapshot } from "./snapshot.js";
import { getChanges, postChanges } from "./changes.js";
import { configProblem } from "./config.js";

export const router = new Router()
  .on("POST", "/v1/prelogin", prelogin)
  .on("POST", "/v1/accounts", createAccount)
  .on("POST", "/v1/accounts/verify", verifyAccount)
  .on("POST", "/v1/sessions", login)
  .on("DELETE", "/v1/sessions/current", logout)
  .on("GET", "/v1/snapshot", getSnapshot)
  .on("PUT", "/v1/snapshot", putSnapshot)
  .on("GET", "/v1/changes", getChanges)
  .on("POST", "/v1/changes", postChanges)
  .on("POST", "/v1/password", changePassword)
  .on("DELETE", "/v1/account", deleteAccount)
  .on("POST", "/v1/account/reset", requestReset)
  .on("POST", "/v1/account/reset/confirm", confirmReset);

async function answer(request, env) {
  const problem = configProblem(env);
  if (problem) {
    console.error(`refusing to serve: ${problem} (set it with \`wrangler secret put\`; see docs/deploy.md)`);
    return errorResponse(new ApiError(500, "misconfigured", "the service is not configured; see its log"));
  }
  try {
    const handler = router.match(request);
    return await handler(request, env);
  } catch (err) {
    if (err instanceof ApiError) return errorResponse(err);
    // Never leak internals: log the kind of failure only, answer a generic 500.
    console.error(`unhandled error: ${err && err.name}: ${err && err.message}`);
    return errorResponse(new ApiError(500, "internal_error", "internal server error"));
  }
}

/** Every answer, errors included, states the server's clock so clients can measure their offset. */
export function stampServerTime(response, now = Date.now()) {
  try {
    response.headers.set("x-server-time", String(now));
    return response;
  } catch {
    // Immutable headers (a response passed through from elsewhere): copy it.
    const copy = new Response(response.body, response);
    copy.headers.set("x-server-time", String(now));
    return copy;
  }
}

export default {
  async fetch(request, env) {
    return stampServerTime(await answer(request, env));
  },
};
