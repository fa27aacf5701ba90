/**
 * The key that signs session cookies. Taken from UNCLIP_AUTH_SECRET, or generated once into
 * DATA_DIR/auth-secret with owner-only permissions, so sessions survive a restart without anyone
 * having to invent a secret, and every process sharing DATA_DIR (web servers, the CLI) agrees.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "../env";
import { UnclipError } from "../errors";

export const SECRET_FILE = "auth-secret";

export function authSecret(env: Env): string {
  if (env.authSecret) return env.authSecret;
  const file = path.join(env.dataDir, SECRET_FILE);
  mkdirSync(env.dataDir, { recursive: true });
  try {
    // "wx": two processes starting together cannot both write one; the loser reads the winner's
    writeFileSync(file, randomBytes(48).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) chmodSync(file, 0o600); // copied in with a loose mode: tighten, never widen
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < 32) {
    throw new UnclipError("runtime", "bad_auth_secret", `${file} holds no usable secret (under 32 characters): delete it to have a new one made`);
  }
  return secret;
}
