"""Byte-level BPE learned from the caption grammar, written in CLIP's vocab.json / merges.txt format."""
import json
import os
import re
from collections import Counter

SOT, EOT = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode() -> dict:
    """GPT-2's reversible byte -> printable character table (same order as CLIP's vocabulary)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()
WORD_RE = re.compile(r"[a-z]+|[0-9]|[^\sa-z0-9]+")


def words_of(text: str) -> list:
    return WORD_RE.findall(" ".join(text.lower().split()))


def to_symbols(word: str) -> tuple:
    s = [BYTE_ENC[b] for b in word.encode("utf-8")]
    s[-1] = s[-1] + "</w>"
    return tuple(s)


def learn(captions: list, max_merges: int = 2000) -> tuple:
    """Greedy BPE: repeatedly merge the most frequent adjacent pair until every word is one symbol."""
    freq = Counter(w for c in captions for w in words_of(c))
    words = {to_symbols(w): f for w, f in freq.items()}
    merges = []
    for _ in range(max_merges):
        pairs = Counter()
        for sym, f in words.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] += f
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]  # ties broken deterministically
        merges.append(best)
        new = {}
        for sym, f in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + f
        words = new
    base = list(BYTE_ENC.values())
    vocab_list = base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + [SOT, EOT]
    vocab = {}
    for tok in vocab_list:  # a merge can repeat a base symbol only in theory; keep first id
        vocab.setdefault(tok, len(vocab))
    return vocab, merges


class Tokenizer:
    """CLIP-style encoder for the captions (lower-case words, byte-level BPE, BOS/EOS, EOS padding)."""

    def __init__(self, vocab: dict, merges: list, max_length: int):
        self.vocab = vocab
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.max_length = max_length
        self.sot, self.eot = vocab[SOT], vocab[EOT]
        self.cache = {}

    def bpe(self, word: str) -> list:
        if word in self.cache:
            return self.cache[word]
        sym = list(to_symbols(word))
        while len(sym) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(sym, sym[1:]))]
            r, _ = min(pairs)
            if r == 1 << 30:
                break
            a, b = next((sym[i], sym[i + 1]) for rr, i in pairs if rr == r)
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            sym = out
        self.cache[word] = sym
        return sym

    def encode(self, text: str) -> tuple:
        ids = [self.vocab[t] for w in words_of(text) for t in self.bpe(w)]
        ids = [self.sot] + ids[: self.max_length - 2] + [self.eot]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        ids = ids + [self.eot] * (self.max_length - len(ids))
        return ids, mask

    def encode_batch(self, texts: list):
        import torch

        enc = [self.encode(t) for t in texts]
        return torch.tensor([e[0] for e in enc]), torch.tensor([e[1] for e in enc], dtype=torch.bool)

    def save(self, folder: str):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(self.vocab, f, ensure_ascii=False)
        merges = sorted(self.ranks, key=self.ranks.get)
        with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in merges:
                f.write(f"{a} {b}\n")
        special = {"content": None, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
        added = {str(self.vocab[t]): {**special, "content": t, "special": True} for t in (SOT, EOT)}
        cfg = {
            "added_tokens_decoder": added,
            "bos_token": SOT,
            "clean_up_tokenization_spaces": True,
            "eos_token": EOT,
            "errors": "replace",
            "model_max_length": self.max_length,
            "pad_token": EOT,
            "tokenizer_class": "CLIPTokenizer",
            "unk_token": EOT,
        }
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        stm = {k: {**special, "content": v} for k, v in (("bos_token", SOT), ("eos_token", EOT), ("pad_token", EOT), ("unk_token", EOT))}
        with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
            json.dump(stm, f, indent=2)

    @classmethod
    def load(cls, folder: str) -> "Tokenizer":
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            merges = [tuple(l.split()) for l in f.read().strip().split("\n")[1:]]
        with open(os.path.join(folder, "tokenizer_config.json")) as f:
            max_len = json.load(f)["model_max_length"]
        return cls(vocab, merges, max_len)
