/** A short JSON rendering of a value, for messages that quote what was given. */
export function describeValue(v: unknown, max = 80): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
