import { mkdtemp, copyFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClipTokenizer, TokenizerError, cleanText } from "../../server/unclip/tokenizer";
import { describeWithFixtures, FIXTURES_DIR, HAVE_FIXTURES, TINY_PACKAGE } from "../helpers/fixtures";

interface TokenizerCase {
  text: string;
  note: string;
  input_ids: number[];
  attention_mask: number[];
  num_tokens_untruncated: number;
  truncated: boolean;
  bpe_tokens: string[];
}

const TOKENIZER_DIR = path.join(TINY_PACKAGE, "tokenizer");
const cases: TokenizerCase[] = HAVE_FIXTURES
  ? (JSON.parse(readFileSync(path.join(FIXTURES_DIR, "tokenizer-cases.json"), "utf8")) as { cases: TokenizerCase[] }).cases
  : [];

describe("cleanText (BasicTokenizer fallback)", () => {
  it("drops control/format characters, spaces CJK ideographs, applies NFC and lower-cases words", () => {
    expect(cleanText("  A\tB\r\nC\u00a0D  ")).toBe("a b c d");
    expect(cleanText("a\u200bb\u0000c\u0007d\ufffd")).toBe("abcd");
    expect(cleanText("日本の桜")).toBe("日 本 の 桜");
    expect(cleanText("한국어")).toBe("한국어");
    expect(cleanText("Cafe\u0301")).toBe("café");
  });
});

describeWithFixtures("ClipTokenizer against transformers' slow CLIPTokenizer", () => {
  let tok: ClipTokenizer;
  beforeAll(async () => {
    tok = await ClipTokenizer.fromPackageDir(TOKENIZER_DIR);
  });

  it("reads the package's settings", () => {
    expect(cases).toHaveLength(46);
    expect(tok.modelMaxLength).toBe(77);
    expect(tok.bosTokenId).toBe(49406);
    expect(tok.eosTokenId).toBe(49407);
    expect(tok.padTokenId).toBe(49407);
  });

  it.each(cases.map((c, i) => [i, JSON.stringify(c.text).slice(0, 60), c] as const))("case %i %s", (_i, _label, c) => {
    const enc = tok.encode(c.text);
    expect(enc.inputIds).toEqual(c.input_ids);
    expect(enc.attentionMask).toEqual(c.attention_mask);
    expect(enc.truncated).toBe(c.truncated);
    expect(enc.numTokensUntruncated).toBe(c.num_tokens_untruncated);
    expect(tok.tokenize(c.text)).toEqual(c.bpe_tokens);
  });

  it("encodeBatch gives row-major int64 ids and a 0/1 mask equal to encode()", () => {
    const picked = cases.filter((c) => c.truncated || c.text === "" || c.text.startsWith("a photo"));
    const batch = tok.encodeBatch(picked.map((c) => c.text));
    expect(batch.shape).toEqual([picked.length, 77]);
    expect(batch.inputIds).toBeInstanceOf(BigInt64Array);
    expect(batch.attentionMask).toBeInstanceOf(Uint8Array);
    picked.forEach((c, i) => {
      expect(Array.from(batch.inputIds.subarray(i * 77, (i + 1) * 77), Number)).toEqual(c.input_ids);
      expect(Array.from(batch.attentionMask.subarray(i * 77, (i + 1) * 77))).toEqual(c.attention_mask);
      expect(batch.truncated[i]).toBe(c.truncated);
    });
  });

  it("honours maxLength, truncation and padding options", () => {
    const long = cases.find((c) => c.truncated)!;
    const full = tok.encode(long.text, { truncation: false, padding: "none" });
    expect(full.inputIds).toHaveLength(long.num_tokens_untruncated);
    expect(full.truncated).toBe(false);
    expect(full.inputIds.slice(0, 76)).toEqual(long.input_ids.slice(0, 76));

    const short = tok.encode("a photo of a cat", { maxLength: 5 });
    expect(short.inputIds).toEqual([49406, 320, 1125, 539, 49407]);
    expect(short.truncated).toBe(true);
    expect(tok.encode("a photo of a cat", { padding: "longest" }).inputIds).toHaveLength(7);

    const batch = tok.encodeBatch(["horse", "a photo of a cat"], { padding: "longest" });
    expect(batch.shape).toEqual([2, 7]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => tok.encodeBatch(["horse", "a photo"], { padding: "none" })).toThrow(/equal-length/);
    expect(() => tok.encodeBatch([long.text], { truncation: false })).toThrow(/truncation is off/);
    expect(() => tok.encode("x", { maxLength: 1 })).toThrow(/at least 2/);
  });
});

describeWithFixtures("ClipTokenizer.fromPackageDir errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "clip-tok-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const copyAll = async () => {
    for (const f of ["vocab.json", "merges.txt", "tokenizer_config.json"]) {
      await copyFile(path.join(TOKENIZER_DIR, f), path.join(dir, f));
    }
  };

  it("names vocab.json when it is missing", async () => {
    await copyAll();
    await rm(path.join(dir, "vocab.json"));
    const err = await ClipTokenizer.fromPackageDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerError);
    expect((err as Error).message).toContain(path.join(dir, "vocab.json"));
    expect((err as Error).message).toMatch(/not found/);
  });

  it("names the file holding invalid JSON or lacking a special token", async () => {
    await copyAll();
    await writeFile(path.join(dir, "tokenizer_config.json"), "{ not json");
    await expect(ClipTokenizer.fromPackageDir(dir)).rejects.toThrow(/tokenizer_config\.json is not valid JSON/);

    await copyAll();
    await writeFile(path.join(dir, "vocab.json"), JSON.stringify({ a: 0, "<|endoftext|>": 1 }));
    await expect(ClipTokenizer.fromPackageDir(dir)).rejects.toThrow(/vocab\.json lacks "<\|startoftext\|>"/);

    await copyAll();
    await writeFile(path.join(dir, "merges.txt"), "#version: 0.2\na b c\n");
    await expect(ClipTokenizer.fromPackageDir(dir)).rejects.toThrow(/merges\.txt line 2/);
  });
});
