/**
 * Text that is not well-formed UTF-16 (a lone surrogate such as "\ud800") cannot be stored:
 * the database drivers reject it deep inside a write and the request would end in a 500. Every
 * API input is walked once before any procedure runs, and the first such string is refused with
 * the field it is in.
 */
import { InputError } from "../errors";

// a high surrogate not followed by a low one, or a low one not preceded by a high one
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Bounded so a deeply nested or huge input cannot make the walk itself the problem. */
const MAX_NODES = 1_000_000;

/** The path ("graph.nodes.3.title") of the first string with a lone surrogate, or null. */
export function findLoneSurrogate(value: unknown, root = "input"): string | null {
  let visited = 0;
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (++visited > MAX_NODES) return null;
    if (typeof v === "string") {
      if (!isWellFormed(v)) return at;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}.${i}`]);
    } else if (v !== null && typeof v === "object" && !(v instanceof Date)) {
      for (const [k, child] of Object.entries(v)) {
        if (!isWellFormed(k)) return `${at}.<key>`;
        stack.push([child, `${at}.${k}`]);
      }
    }
  }
  return null;
}

/** Throws a 400-class InputError naming the field when `value` holds a lone surrogate. */
export function assertWellFormed(value: unknown, root = "input"): void {
  const at = findLoneSurrogate(value, root);
  if (at !== null) {
    const field = at.startsWith("input.") ? at.slice("input.".length) : at;
    throw new InputError("malformed_text", `field "${field}" contains a lone UTF-16 surrogate (text that is not valid Unicode), which cannot be stored`, {
      parameter: field,
    });
  }
}
