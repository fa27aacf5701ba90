/** The output cache on its own: keys, byte bound, least recently used first out. */
import { describe, expect, it } from "vitest";
import { NODE_DECLARATIONS } from "../../nodes/registry";
import type { NodeResult } from "../../nodes/engine/runContext";
import { canonicalJson, nodeCacheKey, OutputCache } from "../../server/graph/cache";
import type { PlannedNode } from "../../nodes/core/graphRules";

const result = (tag: string): NodeResult => ({ outputs: { tag } });
const decl = NODE_DECLARATIONS.find((d) => d.type === "unclip.decoder")!;
const planned = (params: Record<string, unknown>, version = decl.version): PlannedNode => ({
  id: "decoder",
  type: decl.type,
  declaration: { ...decl, version },
  inputs: {},
  params,
});

describe("output cache", () => {
  it("keeps entries up to its byte limit, dropping the least recently used first", () => {
    const cache = new OutputCache(100);
    cache.set("a", result("a"), 40);
    cache.set("b", result("b"), 40);
    expect(cache.get("a")?.result.outputs.tag).toBe("a"); // a is now the most recent
    cache.set("c", result("c"), 40);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
    expect(cache.bytes).toBe(80);
    expect(cache.size).toBe(2);
  });

  it("does not keep a value larger than the whole cache, and replacing a key frees its old bytes", () => {
    const cache = new OutputCache(100);
    cache.set("a", result("a"), 60);
    cache.set("a", result("a2"), 30);
    expect(cache.bytes).toBe(30);
    cache.set("big", result("big"), 101);
    expect(cache.get("big")).toBeUndefined();
    expect(cache.get("a")?.result.outputs.tag).toBe("a2");
  });

  it("clear() empties it; a lower limit trims it at once", () => {
    const cache = new OutputCache(1000);
    for (const k of ["a", "b", "c", "d"]) cache.set(k, result(k), 100);
    cache.setLimit(250);
    expect(cache.size).toBe(2);
    expect(cache.get("c")).toBeDefined();
    expect(cache.get("d")).toBeDefined();
    expect(cache.bytes).toBe(200);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(cache.get("d")).toBeUndefined();
  });

  it("keys depend on type, version, parameters (in any key order) and inputs, and on a salt", () => {
    const base = nodeCacheKey(planned({ guidanceScale: 8, seed: 1 }), { conditioning: "k1:conditioning" });
    expect(nodeCacheKey(planned({ seed: 1, guidanceScale: 8 }), { conditioning: "k1:conditioning" })).toBe(base);
    expect(nodeCacheKey(planned({ guidanceScale: 7, seed: 1 }), { conditioning: "k1:conditioning" })).not.toBe(base);
    expect(nodeCacheKey(planned({ guidanceScale: 8, seed: 1 }, decl.version + 1), { conditioning: "k1:conditioning" })).not.toBe(base);
    expect(nodeCacheKey(planned({ guidanceScale: 8, seed: 1 }), { conditioning: "k2:conditioning" })).not.toBe(base);
    expect(nodeCacheKey(planned({ guidanceScale: 8, seed: 1 }), { conditioning: "k1:conditioning" }, "run-1")).not.toBe(base);
  });

  it("canonical JSON sorts keys at every depth", () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});
