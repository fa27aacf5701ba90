import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { artifactsRoot, listGalleryImages, resolveArtifactPath, saveArtifact } from "../../server/db/artifacts";
import { enqueueRun } from "../../server/db/runs";
import { InputError } from "../../server/errors";
import { getEnv } from "../../server/env";
import { useTempDataDir } from "./helpers";

const dataDir = useTempDataDir();
const snap = JSON.stringify({ version: 1, nodes: [], links: [] });

/** A valid w×h grey PNG. */
function png(w: number, h: number, shade = 0x80): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  const raw = Buffer.alloc((w + 1) * h, shade);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("artifact store", () => {
  it("writes the file atomically under artifacts/<runId>/ with the right hash and record", async () => {
    const run = await enqueueRun({ snapshot: snap });
    const data = png(4, 3);
    const a = await saveArtifact({ runId: run.id, nodeId: "save1", kind: "image", data, meta: { prompt: "a red circle", seed: 7 } });
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.path).toBe(`artifacts/${run.id}/${a.id}.png`);
    expect(a).toMatchObject({ runId: run.id, nodeId: "save1", kind: "image", width: 4, height: 3, bytes: data.length });
    expect(a.contentHash).toBe(createHash("sha256").update(data).digest("hex"));
    expect(a.meta).toEqual({ prompt: "a red circle", seed: 7 });

    const file = path.join(dataDir(), "artifacts", run.id, `${a.id}.png`);
    expect(readFileSync(file).equals(data)).toBe(true);
    // No temp files are left beside it.
    expect(readdirSync(path.dirname(file))).toEqual([`${a.id}.png`]);

    const trace = await saveArtifact({ runId: run.id, nodeId: "prior", kind: "trace", data: Buffer.from('{"steps":[]}') });
    expect(trace.path).toBe(`artifacts/${run.id}/${trace.id}.json`);
    expect(trace.width).toBeNull();
  });

  it("refuses bad input without writing anything", async () => {
    const run = await enqueueRun({ snapshot: snap });
    await expect(saveArtifact({ runId: run.id, nodeId: "n", kind: "image", data: Buffer.from("not a png") })).rejects.toThrow(/not a PNG/);
    await expect(saveArtifact({ runId: run.id, nodeId: "n", kind: "image", data: png(2, 2), width: 3 })).rejects.toThrow(/does not match the PNG's 2×2/);
    await expect(saveArtifact({ runId: run.id, nodeId: "n", kind: "video" as never, data: png(2, 2) })).rejects.toBeInstanceOf(InputError);
    await expect(saveArtifact({ runId: run.id, nodeId: "", kind: "image", data: png(2, 2) })).rejects.toBeInstanceOf(InputError);
    await expect(saveArtifact({ runId: run.id, nodeId: "n", kind: "image", data: new Uint8Array(0) })).rejects.toThrow(/empty/);
    await expect(saveArtifact({ runId: "../../etc", nodeId: "n", kind: "image", data: png(2, 2) })).rejects.toThrow(/runId is not a valid id/);
    await expect(saveArtifact({ runId: "nosuchrun", nodeId: "n", kind: "image", data: png(2, 2) })).rejects.toThrow("run nosuchrun not found");
    expect(existsSync(path.join(artifactsRoot(), run.id))).toBe(false);
    expect(existsSync(path.join(artifactsRoot(), "nosuchrun"))).toBe(false);
  });

  it("resolves an id to its file and content type", async () => {
    const run = await enqueueRun({ snapshot: snap });
    const img = await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png(2, 2) });
    const preview = await saveArtifact({ runId: run.id, nodeId: "decoder", kind: "preview", data: png(1, 1) });
    const trace = await saveArtifact({ runId: run.id, nodeId: "prior", kind: "trace", data: Buffer.from("{}") });

    const r = await resolveArtifactPath(img.id);
    expect(r.path).toBe(path.join(getEnv().dataDir, "artifacts", run.id, `${img.id}.png`));
    expect(path.isAbsolute(r.path)).toBe(true);
    expect(r).toMatchObject({ contentType: "image/png", bytes: img.bytes, contentHash: img.contentHash, kind: "image", runId: run.id });
    expect((await resolveArtifactPath(preview.id)).contentType).toBe("image/png");
    expect((await resolveArtifactPath(trace.id)).contentType).toBe("application/json");
  });

  it("refuses path traversal and malformed ids", async () => {
    const run = await enqueueRun({ snapshot: snap });
    const img = await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png(2, 2) });
    const attempts = [
      "../x",
      "../../etc/passwd",
      "/etc/passwd",
      path.join(getEnv().dataDir, "artifacts", run.id, `${img.id}.png`),
      "..%2F..%2Fetc%2Fpasswd",
      "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "..\\..\\windows",
      `${run.id}/${img.id}`,
      `${img.id}/../${img.id}`,
      `${img.id}.png`,
      `${img.id}\0`,
      img.id.toUpperCase(),
      img.id.slice(1),
      "",
      123 as unknown as string,
    ];
    for (const id of attempts) {
      await expect(resolveArtifactPath(id), JSON.stringify(id)).rejects.toMatchObject({ code: "bad_artifact_id" });
    }
    await expect(resolveArtifactPath("0".repeat(32))).rejects.toMatchObject({ code: "artifact_not_found" });
  });

  it("reports a missing file and refuses a file replaced by a link that leaves the store", async () => {
    const run = await enqueueRun({ snapshot: snap });
    const gone = await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png(2, 2) });
    rmSync(path.join(getEnv().dataDir, gone.path));
    await expect(resolveArtifactPath(gone.id)).rejects.toMatchObject({ code: "artifact_missing" });

    const linked = await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png(2, 2) });
    const outside = path.join(dataDir(), "..", "secret.png");
    writeFileSync(outside, "secret");
    const file = path.join(getEnv().dataDir, linked.path);
    rmSync(file);
    symlinkSync(outside, file);
    await expect(resolveArtifactPath(linked.id)).rejects.toMatchObject({ code: "artifact_not_found" });
  });

  it("lists saved images for the gallery, newest first, with run id and meta", async () => {
    const run = await enqueueRun({ snapshot: snap });
    const saved = [];
    for (let i = 0; i < 3; i++) {
      saved.push(await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png(2, 2, i), meta: { i } }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await saveArtifact({ runId: run.id, nodeId: "decoder", kind: "preview", data: png(1, 1) });

    const page = await listGalleryImages({ limit: 2 });
    expect(page.map((a) => a.id)).toEqual([saved[2].id, saved[1].id]);
    expect(page[0]).toMatchObject({ runId: run.id, kind: "image", meta: { i: 2 } });
    const next = await listGalleryImages({ limit: 2, cursor: page[1].id });
    expect(next[0].id).toBe(saved[0].id);
    expect((await listGalleryImages()).every((a) => a.kind === "image")).toBe(true);
    await expect(listGalleryImages({ cursor: "../x" })).rejects.toBeInstanceOf(InputError);
  });
});
