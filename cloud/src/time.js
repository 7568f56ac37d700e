// Timestamps: ISO 8601 UTC with milliseconds (fixed width, so they also sort as text).

export function nowMs() {
  return Date.now();
}

export function iso(ms) {
  return new Date(ms).toISOString();
}
