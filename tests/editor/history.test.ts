import { describe, expect, it } from "vitest";
import { emptyHistory, record, redo, undo } from "../../app/editor/lib/history";

describe("undo history", () => {
  it("undoes and redoes in order", () => {
    let h = emptyHistory<number>();
    h = record(h, 0);
    h = record(h, 1);
    const u1 = undo(h, 2)!;
    expect(u1.value).toBe(1);
    const u2 = undo(u1.history, 1)!;
    expect(u2.value).toBe(0);
    expect(undo(u2.history, 0)).toBeNull();
    const r1 = redo(u2.history, 0)!;
    expect(r1.value).toBe(1);
    const r2 = redo(r1.history, 1)!;
    expect(r2.value).toBe(2);
    expect(redo(r2.history, 2)).toBeNull();
  });

  it("coalesces quick edits to the same thing into one step", () => {
    let h = emptyHistory<string>();
    h = record(h, "a", "prompt", 1000);
    h = record(h, "ab", "prompt", 1200);
    h = record(h, "abc", "prompt", 1400);
    expect(h.past).toEqual(["a"]);
    h = record(h, "abcd", "prompt", 5000);
    expect(h.past).toEqual(["a", "abcd"]);
  });

  it("a new edit clears the redo stack", () => {
    let h = emptyHistory<number>();
    h = record(h, 0);
    const u = undo(h, 1)!;
    expect(u.history.future).toEqual([1]);
    expect(record(u.history, 0).future).toEqual([]);
  });
});
