// Sign-up with e-mail verification. POST /v1/accounts answers 202 the same way whether or not
// the address has an account (the owner gets a warning mail instead of a code), so sign-up
// reveals nothing about who has an account. POST /v1/accounts/verify creates the account.

import { ApiError, jsonResponse, readJsonObject } from "./http.js";
import { makeVerifier, randomUuid } from "./crypto.js";
import { authSecret, checkFields, kdfParams, normalizeEmail, uuid, wrappedDataKey } from "./validation.js";
import { checkCode, codeField, consumeStatement, invalidCode, issueCode } from "./codes.js";
import { sendMail } from "./mail.js";
import { prepareSession } from "./sessions.js";
import { iso, nowMs } from "./time.js";
import { ACCOUNT_LIMITS, deviceStatements } from "./accounts.js";
import { clientAddress, key, limitRules, releaseStatements, reserve, TOO_MANY } from "./limits.js";

const MAIL_LIMITED = "too many requests from this address or for this e-mail address; try again later";

const userIdTaken = () => new ApiError(409, "user_id_taken", "an account with this user id already exists");

async function emailExists(db, email) {
  return (await db.prepare("SELECT 1 FROM emails WHERE email = ?1").bind(email).first()) !== null;
}

async function userExists(db, userId) {
  return (await db.prepare("SELECT 1 FROM users WHERE id = ?1").bind(userId).first()) !== null;
}

function codeMail(code) {
  return {
    subject: `DreamTree verification code: ${code}`,
    text: [
      "Someone (we hope you) asked to create a DreamTree cloud account with this address.",
      "",
      `Your verification code is ${code}`,
      "",
      "Enter it in DreamTree within 30 minutes. If you did not ask for this, ignore this mail:",
      "no account is created without the code.",
      "",
    ].join("\n"),
  };
}

function ownerMail() {
  return {
    subject: "DreamTree: your address was used to sign up again",
    text: [
      "Someone asked to create a DreamTree cloud account with this address, but it already has one.",
      "Nothing was changed.",
      "",
      "If it was you: sign in instead (dreamtree account login). If you forgot your password,",
      "reset it (dreamtree account reset-password). If it was not you, you can ignore this mail.",
      "",
    ].join("\n"),
  };
}

// POST /v1/accounts {email, auth_secret, kdf, wrapped_data_key, user_id?} -> 202 {status}
export async function createAccount(request, env) {
  const { value } = await readJsonObject(request, ACCOUNT_LIMITS);
  checkFields(value, ["email", "auth_secret", "kdf", "wrapped_data_key"], ["user_id"]);
  const email = normalizeEmail(value.email);
  const secret = authSecret(value.auth_secret);
  const kdf = kdfParams(value.kdf);
  const wrapped = wrappedDataKey(value.wrapped_data_key);
  const userId = value.user_id === undefined || value.user_id === null ? randomUuid() : uuid(value.user_id, "user_id");
  const db = env.DB;
  const now = nowMs();
  await reserve(db, [key("signup", clientAddress(request)), key("mail", email)], now, MAIL_LIMITED, limitRules(env));
  if (await userExists(db, userId)) throw userIdTaken();

  // Both cases do the same work (verifier, one code stored, one mail), so neither the answer nor
  // its timing tells whether the address has an account. A code stored for a taken address is
  // never mailed, and could not create an account anyway (the address is unique).
  const verifier = await makeVerifier(secret);
  const payload = {
    user_id: userId,
    verifier_hash: verifier.hash,
    verifier_salt: verifier.salt,
    verifier_iterations: verifier.iterations,
    kdf,
    wrapped_data_key: wrapped,
  };
  const taken = await emailExists(db, email);
  const { code, statements } = await issueCode(db, email, "signup", payload, now);
  await db.batch(statements);
  const mail = taken ? ownerMail() : codeMail(code);
  await sendMail(env, email, mail.subject, mail.text);
  return jsonResponse(202, { status: "verification_sent" });
}

// POST /v1/accounts/verify {email, code} -> 201 {user_id, token, expires_at}
export async function verifyAccount(request, env) {
  const { value } = await readJsonObject(request, ACCOUNT_LIMITS);
  checkFields(value, ["email", "code"]);
  const email = normalizeEmail(value.email);
  const code = codeField(value.code);
  const db = env.DB;
  const now = nowMs();
  // Wrong codes count against the client's address like wrong passwords (each code also has 5 tries).
  const ipKey = key("ip", clientAddress(request));
  await reserve(db, [ipKey], now, TOO_MANY, limitRules(env));
  const { hash, payload } = await checkCode(db, email, "signup", code, now);
  const userId = payload.user_id;
  const nowIso = iso(now);
  const session = await prepareSession(db, userId, now);
  const device = await deviceStatements(db, userId, null, now);
  try {
    // Unique keys guard the race of two right answers: the second batch fails whole.
    await db.batch([
      consumeStatement(db, email, "signup", hash),
      db.prepare("INSERT INTO users (id, created_at, updated_at) VALUES (?1, ?2, ?2)").bind(userId, nowIso),
      db.prepare(
        `INSERT INTO auth (id, user_id, type, verifier_hash, verifier_salt, verifier_iterations, kdf_json,
                           wrapped_data_key, created_at, updated_at)
         VALUES (?1, ?2, 'password', ?3, ?4, ?5, ?6, ?7, ?8, ?8)`,
      ).bind(randomUuid(), userId, payload.verifier_hash, payload.verifier_salt, payload.verifier_iterations,
        JSON.stringify(payload.kdf), payload.wrapped_data_key, nowIso),
      db.prepare("INSERT INTO emails (id, user_id, email, is_active, added_at) VALUES (?1, ?2, ?3, 1, ?4)")
        .bind(randomUuid(), userId, email, nowIso),
      session.statement,
      ...device.statements,
      ...releaseStatements(db, { refund: [ipKey] }, now),
    ]);
  } catch (err) {
    if (await emailExists(db, email)) throw invalidCode();
    if (await userExists(db, userId)) {
      await consumeStatement(db, email, "signup", hash).run();
      throw userIdTaken();
    }
    throw err;
  }
  return jsonResponse(201, {
    user_id: userId, token: session.token, expires_at: session.expiresAt, device_token: device.token,
  });
}
