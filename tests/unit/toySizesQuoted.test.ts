import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GLOSSARY } from "../../nodes/core/glossary";
import { LESSONS } from "../../nodes/core/lessons";
import { templateByName } from "../../nodes/core/templates";

// Teaching text and templates quote the default model's stage sizes; they must be the sizes its configs give,
// not Karlo's (the toy decoder draws 32 px, not 64). Retraining with other sizes makes this fail until the text follows.
const root = path.resolve(import.meta.dirname, "../..");
const sampleSize = (component: string) =>
  (JSON.parse(readFileSync(path.join(root, "models/toy-shapes", component, "config.json"), "utf8")) as { sample_size: number }).sample_size;
const decoderPx = sampleSize("decoder");
const superResPx = sampleSize("super_res_first");

/** Every "N px" quoted beside the word "toy" (in the same sentence). */
function toyQuotes(text: string): { decoder: number[]; superRes: number[] } {
  const out = { decoder: [] as number[], superRes: [] as number[] };
  for (const sentence of text.split(/(?<=[.;])\s+/)) {
    for (const m of sentence.matchAll(/(\d+) px (?:on|for|in) the (?:default )?toy/g)) {
      const before = sentence.slice(0, m.index);
      (/super-resolution \(to $|super-res/i.test(before.slice(-40)) ? out.superRes : out.decoder).push(Number(m[1]));
    }
  }
  return out;
}

describe("the default model's sizes quoted in templates, lessons and the glossary", () => {
  it("reads the sizes from the package: decoder 32 px, super-res 64 px", () => {
    expect([decoderPx, superResPx]).toEqual([32, 64]);
  });

  it("the Text to image template quotes the decoder's and super-res sizes of the package", () => {
    const description = templateByName("Text to image")!.meta?.description;
    expect(typeof description).toBe("string");
    expect(description as string).toContain(`decoder (${decoderPx} px on the default toy-shapes model`);
    expect(description as string).toContain(`super-resolution (to ${superResPx} px`);
  });

  it("every toy-model size in lessons and glossary is the decoder's", () => {
    const texts = [...LESSONS.map((l) => JSON.stringify(l)), ...GLOSSARY.map((g) => JSON.stringify(g))];
    const quoted = texts.flatMap((t) => toyQuotes(t).decoder);
    expect(quoted.length).toBeGreaterThan(0);
    expect(new Set(quoted)).toEqual(new Set([decoderPx]));
  });
});
