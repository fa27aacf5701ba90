import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The shared reference fixtures live beside the repository, never inside it. */
export const FIXTURES_DIR = process.env.UNCLIP_FIXTURES_DIR ?? path.resolve(repoRoot, "../shared/fixtures");
export const HAVE_FIXTURES = existsSync(path.join(FIXTURES_DIR, "README.md"));
export const TINY_PACKAGE = path.join(FIXTURES_DIR, "unclip-tiny");
export const SMALL_PACKAGE = path.join(FIXTURES_DIR, "unclip-small");
export const TINY_CASES = path.join(FIXTURES_DIR, "unclip-tiny-cases");
export const REPO_ROOT = repoRoot;

const SKIP_REASON = `reference fixtures not found at ${FIXTURES_DIR} (a clone without ../shared): skipped`;

/** `describe` that skips, with a clear reason, when ../shared/fixtures is absent. */
export function describeWithFixtures(name: string, body: () => void): void {
  if (HAVE_FIXTURES) {
    describe(name, body);
  } else {
    describe.skip(`${name} [${SKIP_REASON}]`, body);
  }
}
