// CLIP tokenizer matching transformers' slow `CLIPTokenizer` without ftfy (its BasicTokenizer fallback).
// The BPE merging is @huggingface/tokenizers' BPE model, built from vocab.json + merges.txt; the clean-up,
// special-token split, CLIP regex and byte mapping are ours, since the library has no such slow-tokenizer path.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BPE } from "@huggingface/tokenizers";

export class TokenizerError extends Error {
  override name = "TokenizerError";
}

export type PaddingMode = "max_length" | "longest" | "none";

export interface EncodeOptions {
  /** Defaults to the package's `model_max_length` (77 for CLIP). */
  maxLength?: number;
  /** Defaults to true: keep BOS + the first (maxLength - 2) tokens + EOS. */
  truncation?: boolean;
  /** Defaults to "max_length". */
  padding?: PaddingMode;
}

export interface ClipEncoding {
  inputIds: number[];
  attentionMask: number[];
  /** Length with BOS/EOS before any truncation. */
  numTokensUntruncated: number;
  truncated: boolean;
}

export interface ClipBatchEncoding {
  /** Row-major [B, L], int64 as the ONNX text encoder expects. */
  inputIds: BigInt64Array;
  /** Row-major [B, L], 0/1 bytes (ONNX bool). */
  attentionMask: Uint8Array;
  shape: [number, number];
  truncated: boolean[];
}

const BOS_DEFAULT = "<|startoftext|>";
const EOS_DEFAULT = "<|endoftext|>";

// transformers' pattern, compiled there case-insensitively with the `regex` module. A JS `i` flag would let U+0345
// (case-folds to a letter) match [\p{L}], which Python's does not match at all; so the case-insensitive contractions
// are spelt out (U+017F folds to "s") and U+0345 is left unmatched, as in Python.
const CLIP_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'[sS\u017f]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|\p{L}+|\p{N}|[^\s\p{L}\p{N}\u0345]+/gu;

// transformers keeps bpe_merges[1 : 49152 - 256 - 2 + 1] (line 0 is the "#version" header).
const MERGES_END = 49152 - 256 - 2 + 1;

// BasicTokenizer._is_chinese_char: CJK ideographs only (not kana, not Hangul).
const CJK_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];

const isCjk = (cp: number): boolean => CJK_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
// After the clean-up only " ", U+2028 and U+2029 remain as whitespace; Python's str.split() and JS \s agree on them.
const WHITESPACE_RUN = /\s+/u;

/**
 * transformers' BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize joined by spaces:
 * drop NUL/U+FFFD/category C (\t\n\r and Zs become spaces), space out CJK ideographs, NFC,
 * split on whitespace, lower-case each word.
 */
export function cleanText(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd) continue;
    if (ch === "\t" || ch === "\n" || ch === "\r" || ch === " " || SPACE_SEPARATOR.test(ch)) {
      out += " ";
    } else if (CONTROL.test(ch)) {
      continue;
    } else if (isCjk(cp)) {
      out += ` ${ch} `;
    } else {
      out += ch;
    }
  }
  return out
    .normalize("NFC")
    .split(WHITESPACE_RUN)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase())
    .join(" ");
}

/** GPT-2's reversible byte → printable-character table. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const table = new Array<string>(256);
  for (const b of bs) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  }
  return table;
}

const BYTE_ENCODER = bytesToUnicode();
const UTF8 = new TextEncoder();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new TokenizerError(`cannot read ${file}: ${why}`);
  }
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const text = await readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TokenizerError(`${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Special tokens appear in tokenizer_config.json as a plain string or as an AddedToken object. */
function tokenContent(config: Record<string, unknown>, key: string, fallback: string, file: string): string {
  const raw = config[key];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "string") return raw;
  if (typeof raw === "object" && typeof (raw as { content?: unknown }).content === "string") {
    return (raw as { content: string }).content;
  }
  throw new TokenizerError(`${file}: ${key} must be a string or an object with a string "content"`);
}

export class ClipTokenizer {
  readonly modelMaxLength: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly unkTokenId: number;

  private readonly vocab: Map<string, number>;
  private readonly bpe: BPE;
  /** Special-token strings, split out of the text before any clean-up (transformers' added-tokens trie). */
  private readonly specialIds: Map<string, number>;
  private readonly specialSplit: RegExp;

  private constructor(args: {
    vocab: Record<string, number>;
    merges: [string, string][];
    modelMaxLength: number;
    bos: string;
    eos: string;
    pad: string;
    unk: string;
    vocabFile: string;
    configFile: string;
  }) {
    this.vocab = new Map(Object.entries(args.vocab));
    const idOf = (token: string, role: string): number => {
      const id = this.vocab.get(token);
      if (id === undefined) {
        throw new TokenizerError(`${args.vocabFile} lacks ${JSON.stringify(token)} (the ${role} of ${args.configFile})`);
      }
      return id;
    };
    this.bosTokenId = idOf(args.bos, "bos_token");
    this.eosTokenId = idOf(args.eos, "eos_token");
    this.padTokenId = idOf(args.pad, "pad_token");
    this.unkTokenId = idOf(args.unk, "unk_token");
    this.modelMaxLength = args.modelMaxLength;

    this.specialIds = new Map();
    for (const token of [args.bos, args.eos, args.unk, args.pad]) this.specialIds.set(token, this.vocab.get(token)!);
    // Longest first so that, at one position, the longest special string wins as in transformers' trie.
    const alternatives = [...this.specialIds.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.specialSplit = new RegExp(`(${alternatives.join("|")})`, "u");

    this.bpe = new BPE({
      type: "BPE",
      vocab: args.vocab,
      merges: args.merges,
      unk_token: args.unk,
      end_of_word_suffix: "</w>",
      ignore_merges: false,
    });
  }

  /** Loads `vocab.json`, `merges.txt` and `tokenizer_config.json` from a package's tokenizer/ folder. */
  static async fromPackageDir(tokenizerDir: string): Promise<ClipTokenizer> {
    const vocabFile = path.join(tokenizerDir, "vocab.json");
    const mergesFile = path.join(tokenizerDir, "merges.txt");
    const configFile = path.join(tokenizerDir, "tokenizer_config.json");

    const rawVocab = await readJsonObject(vocabFile);
    // Null prototype: a "__proto__" token must stay an ordinary key.
    const vocab = Object.create(null) as Record<string, number>;
    for (const [token, id] of Object.entries(rawVocab)) {
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
        throw new TokenizerError(`${vocabFile}: id of ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`);
      }
      vocab[token] = id;
    }

    const merges = parseMerges(await readText(mergesFile), mergesFile);

    const config = await readJsonObject(configFile);
    const maxLen = config.model_max_length;
    if (typeof maxLen !== "number" || !Number.isInteger(maxLen) || maxLen < 2 || maxLen > 1_000_000) {
      throw new TokenizerError(`${configFile}: model_max_length must be an integer between 2 and 1000000, got ${JSON.stringify(maxLen)}`);
    }
    // CLIPTokenizer's defaults, used when the config leaves a token out.
    const bos = tokenContent(config, "bos_token", BOS_DEFAULT, configFile);
    const eos = tokenContent(config, "eos_token", EOS_DEFAULT, configFile);
    const pad = tokenContent(config, "pad_token", EOS_DEFAULT, configFile);
    const unk = tokenContent(config, "unk_token", EOS_DEFAULT, configFile);

    return new ClipTokenizer({ vocab, merges, modelMaxLength: maxLen, bos, eos, pad, unk, vocabFile, configFile });
  }

  /** transformers' `tokenizer.tokenize(text)`: BPE token strings, special-token strings kept as they are. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of this.pieces(text)) {
      if (typeof piece === "string") out.push(...this.bpeWord(piece));
      else out.push(piece.special);
    }
    return out;
  }

  /** Token ids without BOS/EOS. */
  tokenIds(text: string): number[] {
    const ids: number[] = [];
    for (const piece of this.pieces(text)) {
      if (typeof piece === "string") {
        for (const t of this.bpeWord(piece)) ids.push(this.vocab.get(t) ?? this.unkTokenId);
      } else {
        ids.push(this.specialIds.get(piece.special)!);
      }
    }
    return ids;
  }

  /** Default: `tokenizer(text, padding="max_length", max_length=model_max_length, truncation=True)`. */
  encode(text: string, opts: EncodeOptions = {}): ClipEncoding {
    const maxLength = this.resolveMaxLength(opts.maxLength);
    const truncation = opts.truncation ?? true;
    const padding = opts.padding ?? "max_length";

    const body = this.tokenIds(text);
    const numTokensUntruncated = body.length + 2;
    const truncated = truncation && numTokensUntruncated > maxLength;
    const kept = truncated ? body.slice(0, maxLength - 2) : body;
    const inputIds = [this.bosTokenId, ...kept, this.eosTokenId];
    const attentionMask = inputIds.map(() => 1);
    // "longest" over a single text needs no padding.
    if (padding === "max_length") {
      while (inputIds.length < maxLength) {
        inputIds.push(this.padTokenId);
        attentionMask.push(0);
      }
    }
    return { inputIds, attentionMask, numTokensUntruncated, truncated };
  }

  /** Encodes a batch into the flat [B, L] tensors the ONNX graphs take. */
  encodeBatch(texts: string[], opts: EncodeOptions = {}): ClipBatchEncoding {
    const padding = opts.padding ?? "max_length";
    const rows = texts.map((t) => this.encode(t, { ...opts, padding: "none" }));
    let width: number;
    if (padding === "max_length") {
      width = this.resolveMaxLength(opts.maxLength);
      const long = rows.findIndex((r) => r.inputIds.length > width);
      if (long >= 0) {
        throw new TokenizerError(`text ${long} has ${rows[long].inputIds.length} tokens, more than maxLength ${width}, and truncation is off`);
      }
    } else {
      width = rows.reduce((m, r) => Math.max(m, r.inputIds.length), 0);
      if (padding === "none" && rows.some((r) => r.inputIds.length !== width)) {
        throw new TokenizerError(`encodeBatch with padding "none" needs equal-length rows, got lengths ${rows.map((r) => r.inputIds.length).join(", ")}`);
      }
    }
    const inputIds = new BigInt64Array(rows.length * width).fill(BigInt(this.padTokenId));
    const attentionMask = new Uint8Array(rows.length * width);
    rows.forEach((r, i) => {
      for (let j = 0; j < r.inputIds.length; j++) {
        inputIds[i * width + j] = BigInt(r.inputIds[j]);
        attentionMask[i * width + j] = 1;
      }
    });
    return { inputIds, attentionMask, shape: [rows.length, width], truncated: rows.map((r) => r.truncated) };
  }

  private resolveMaxLength(maxLength: number | undefined): number {
    const n = maxLength ?? this.modelMaxLength;
    if (!Number.isInteger(n) || n < 2) {
      throw new TokenizerError(`maxLength must be an integer of at least 2 (room for BOS and EOS), got ${n}`);
    }
    return n;
  }

  /**
   * Splits out special-token strings first (as transformers does, before any clean-up), then cleans each
   * remaining chunk and cuts it with the CLIP regex. Strings are words for BPE; objects are special tokens.
   */
  private *pieces(text: string): Generator<string | { special: string }> {
    for (const chunk of text.split(this.specialSplit)) {
      if (chunk.length === 0) continue;
      if (this.specialIds.has(chunk)) {
        yield { special: chunk };
        continue;
      }
      for (const m of cleanText(chunk).matchAll(CLIP_PATTERN)) yield m[0];
    }
  }

  /** Byte-level BPE of one regex match; the library's BPE keeps an LRU cache of recent words. */
  private bpeWord(word: string): string[] {
    let mapped = "";
    for (const b of UTF8.encode(word)) mapped += BYTE_ENCODER[b];
    return this.bpe.bpe(mapped);
  }
}

/** merges.txt → pairs, with transformers' slicing (skip line 0, keep at most 48 894 merges). */
function parseMerges(text: string, file: string): [string, string][] {
  const lines = text.trim().split("\n");
  if (lines.length < 2) throw new TokenizerError(`${file} holds no merges`);
  const merges: [string, string][] = [];
  const end = Math.min(lines.length, MERGES_END);
  for (let i = 1; i < end; i++) {
    const parts = lines[i].trim().split(/\s+/u);
    if (parts.length !== 2 || parts[0] === "") {
      throw new TokenizerError(`${file} line ${i + 1}: expected two space-separated symbols, got ${JSON.stringify(lines[i])}`);
    }
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}
