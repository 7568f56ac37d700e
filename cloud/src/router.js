// Exact-path router: unknown path -> 404 not_found, known path with another method -> 405.

import { ApiError } from "./http.js";

export class Router {
  constructor() {
    this.routes = new Map(); // path -> { METHOD: handler }
  }

  on(method, path, handler) {
    if (!this.routes.has(path)) this.routes.set(path, {});
    this.routes.get(path)[method] = handler;
    return this;
  }

  /** Returns the handler for a request or throws 404 / 405. */
  match(request) {
    const { pathname } = new URL(request.url);
    const methods = this.routes.get(pathname);
    if (!methods) throw new ApiError(404, "not_found", "no such endpoint");
    const handler = methods[request.method];
    if (!handler) {
      const allow = Object.keys(methods).join(", ");
      throw new ApiError(405, "method_not_allowed", `method ${request.method} is not allowed here`, {}, { allow });
    }
    return handler;
  }
}
