/**
 * A fresh random seed (for "randomize" and the pipelines' default): 48 bits from the platform's
 * cryptographic generator, in the browser and in Node alike, well inside MAX_SEED.
 */
export function randomSeed(): number {
  const words = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return (words[0] % 0x10000) * 0x100000000 + words[1];
}
