// DreamTree cloud account service (Cloudflare Worker + D1). Protocol: docs/sync-protocol.md.

import { ApiError, errorResponse } from "./http.js";
import { Router } from "./router.js";
import { changePassword, createAccount, deleteAccount, login, logout, prelogin } from "./accounts.js";
import { getSnapshot, putSnapshot } from "./snapshot.js";

export const router = new Router()
  .on("POST", "/v1/prelogin", prelogin)
  .on("POST", "/v1/accounts", createAccount)
  .on("POST", "/v1/sessions", login)
  .on("DELETE", "/v1/sessions/current", logout)
  .on("GET", "/v1/snapshot", getSnapshot)
  .on("PUT", "/v1/snapshot", putSnapshot)
  .on("POST", "/v1/password", changePassword)
  .on("DELETE", "/v1/account", deleteAccount);

export default {
  async fetch(request, env) {
    let response;
    try {
      const handler = router.match(request);
      response = await handler(request, env);
    } catch (err) {
      if (err instanceof ApiError) {
        response = errorResponse(err);
      } else {
        // Never leak internals: log the kind of failure only, answer a generic 500.
        console.error(`unhandled error: ${err && err.name}: ${err && err.message}`);
        response = errorResponse(new ApiError(500, "internal_error", "internal server error"));
      }
    }
    // Clients measure their clock against this (docs/sync-protocol.md, "Trusted time").
    response.headers.set("x-server-time", String(Date.now()));
    return response;
  },
};
