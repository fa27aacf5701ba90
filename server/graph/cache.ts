/**
 * Node output cache. A node's key is made from its type, version, parameters and its inputs'
 * keys (so ancestors are included): editing one parameter changes that node's key and every
 * descendant's, and nothing else. Bounded by bytes, least recently used first out.
 */
import { createHash } from "node:crypto";
import type { NodeResult } from "../../nodes/engine/runContext";
import type { PlannedNode } from "../../nodes/core/graphRules";

export interface CacheEntry {
  result: NodeResult;
  bytes: number;
}

/** JSON with sorted keys, so equal parameters always give the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

export function nodeCacheKey(node: PlannedNode, inputKeys: Record<string, string>, salt?: string): string {
  const h = createHash("sha256");
  h.update(`${node.type}@${node.declaration.version}\n${canonicalJson(node.params)}\n`);
  for (const port of Object.keys(inputKeys).sort()) h.update(`${port}<-${inputKeys[port]}\n`);
  if (salt) h.update(`salt:${salt}`);
  return h.digest("hex");
}

export class OutputCache {
  private readonly entries = new Map<string, CacheEntry>();
  private total = 0;

  constructor(private maxBytes: number) {}

  get(key: string): CacheEntry | undefined {
    const e = this.entries.get(key);
    if (e) {
      // refresh recency: Map keeps insertion order
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  set(key: string, result: NodeResult, bytes: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    if (bytes > this.maxBytes) return; // larger than the whole cache: not kept
    this.entries.set(key, { result, bytes });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  setLimit(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.set("__trim__", { outputs: {} }, 0);
    this.entries.delete("__trim__");
  }
}
