// Secrets come from `wrangler secret put` (deployed) or from cloud/.dev.vars (local runs, made
// by cloud/dev and the tests, never committed). Outside local mode a missing, short or
// development secret stops the Worker from serving anything: a clear log line, a bare 500.

export const LOCAL_SECRET_PREFIX = "local-dev-";
export const MIN_SECRET_LENGTH = 32;
const SECRETS = ["PRELOGIN_SECRET"];

/** What is wrong with the configuration, or null. Local mode is ENVIRONMENT=local (.dev.vars). */
export function configProblem(env) {
  const local = env.ENVIRONMENT === "local";
  for (const name of SECRETS) {
    const value = env[name];
    if (typeof value !== "string" || value.length === 0) return `${name} is not set`;
    if (local) continue;
    if (value.length < MIN_SECRET_LENGTH) return `${name} is shorter than ${MIN_SECRET_LENGTH} characters`;
    // Generated local secrets carry the prefix; the old committed default said so in words.
    if (value.startsWith(LOCAL_SECRET_PREFIX) || value.includes("not-for-production")) {
      return `${name} is a development value`;
    }
  }
  return null;
}
