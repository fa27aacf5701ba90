import { describe, expect, it } from "vitest";
import { searchCatalog } from "../../app/editor/lib/search";
import { CATALOG_LIST } from "./helpers";

describe("palette search", () => {
  it("finds nodes by title words first", () => {
    expect(searchCatalog(CATALOG_LIST, "save")[0].decl.title).toBe("Save Image");
    expect(searchCatalog(CATALOG_LIST, "super res")[0].decl.type).toBe("unclip.super_res");
  });

  it("offers only nodes a dangling wire fits, with the port to attach", () => {
    const fromImage = searchCatalog(CATALOG_LIST, "", { nodeId: "d", handle: "image", from: "output", type: "IMAGE" });
    expect(fromImage.length).toBeGreaterThan(0);
    for (const e of fromImage) expect(e.decl.inputs.find((p) => p.name === e.port)?.type).toMatch(/^(IMAGE|\*)$/);
    const types = fromImage.map((e) => e.decl.type);
    expect(types).toContain("unclip.save_image");
    expect(types).not.toContain("unclip.tokenizer");
    const intoTokens = searchCatalog(CATALOG_LIST, "", { nodeId: "t", handle: "tokens", from: "input", type: "TOKENS" });
    expect(intoTokens.map((e) => e.decl.type)).toEqual(["unclip.tokenizer"]);
  });
});
