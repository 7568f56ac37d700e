// Outgoing mail through the `send_email` binding named EMAIL. Locally (wrangler dev) the
// binding keeps each message as an .eml file and logs its path; on Cloudflare it is delivered.
// Messages are plain-text MIME built here, so nothing but the platform is needed.

import { EmailMessage } from "cloudflare:email";
import { ApiError } from "./http.js";
import { randomUuid } from "./crypto.js";

const DEFAULT_FROM = "no-reply@dreamtree.invalid";

/** Encodes a header value as an RFC 2047 word when it is not plain ASCII. */
function headerText(text) {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `=?UTF-8?B?${btoa(bin)}?=`;
}

/** Base64 body lines of at most 76 characters (RFC 2045). */
function bodyBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/.{1,76}/g, "$&\r\n");
}

export function buildMessage({ from, to, subject, text, now = new Date() }) {
  const domain = from.slice(from.lastIndexOf("@") + 1);
  return [
    `From: DreamTree <${from}>`,
    `To: <${to}>`,
    `Subject: ${headerText(subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${randomUuid()}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    bodyBase64(text),
  ].join("\r\n");
}

/** Sends one plain-text mail; a failure is a 503 that says only that mail could not be sent. */
export async function sendMail(env, to, subject, text) {
  const from = env.MAIL_FROM || DEFAULT_FROM;
  if (!env.EMAIL) {
    console.error("mail: the EMAIL send_email binding is not configured");
    throw new ApiError(503, "mail_unavailable", "mail cannot be sent right now; try again later",
      {}, { "retry-after": "60" });
  }
  try {
    await env.EMAIL.send(new EmailMessage(from, to, buildMessage({ from, to, subject, text })));
  } catch (err) {
    console.error(`mail: sending failed: ${err && err.name}`);
    throw new ApiError(503, "mail_unavailable", "mail cannot be sent right now; try again later",
      {}, { "retry-after": "60" });
  }
}
