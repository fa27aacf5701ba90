/**
 * A stand-in for the executor: a NodeRunContext over the shared fixtures (packages loaded once,
 * one SessionPool), uploads from memory, images saved into a temp folder, and a runner that
 * executes a workflow's nodes in dependency order by calling their runners directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { isExecutable } from "../../nodes/core/graphRules";
import { getDeclaration, NODE_IMPLEMENTATIONS } from "../../nodes/registry";
import { implementationOf, runNode } from "./runNode";
import type { ArtifactRef, NodeProgress, NodeResult, NodeRunContext } from "../../nodes/engine/runContext";
import { FIXTURES_DIR } from "../helpers/fixtures";

export interface SavedImage {
  nodeId: string;
  file: string;
  png: Uint8Array;
  info: { width: number; height: number; kind: "image" | "preview"; index: number };
}

export class NodeHarness {
  readonly pool = new SessionPool("cpu");
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "unclip-nodes-"));
  readonly saved: SavedImage[] = [];
  readonly progress: (NodeProgress & { nodeId: string })[] = [];
  readonly uploads = new Map<string, Uint8Array>();
  previewEvery = 0;
  /** Ask runners for teaching traces; what they add lands in `traces[nodeId][part]`. */
  trace = false;
  traces: Record<string, Record<string, unknown>> = {};
  signal: AbortSignal = new AbortController().signal;
  private readonly packages = new Map<string, Promise<UnclipComponents>>();

  loadPackage(name: string): Promise<UnclipComponents> {
    if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) throw new Error(`bad package name ${name}`);
    let p = this.packages.get(name);
    if (!p) {
      p = UnclipComponents.load(path.join(FIXTURES_DIR, name), this.pool);
      this.packages.set(name, p);
    }
    return p;
  }

  context(nodeId: string, workflowJson = "{}"): NodeRunContext {
    return {
      runId: "test-run",
      nodeId,
      signal: this.signal,
      previewEvery: this.previewEvery,
      trace: this.trace,
      addTrace: (part, data) => {
        if (this.trace) (this.traces[nodeId] ??= {})[part] = data;
      },
      progress: (p) => this.progress.push({ ...p, nodeId }),
      loadPackage: (name) => this.loadPackage(name),
      readUpload: (name) => {
        const bytes = this.uploads.get(name);
        return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`no upload named ${name}`));
      },
      saveImage: (png, info): Promise<ArtifactRef> => {
        const id = `${nodeId}-${info.kind}-${this.saved.length}`;
        const file = path.join(this.dir, `${id}.png`);
        writeFileSync(file, png);
        this.saved.push({ nodeId, file, png, info });
        return Promise.resolve({ id, url: `/test/${id}.png`, width: info.width, height: info.height, kind: info.kind });
      },
      workflowJson,
    };
  }

  /** Run every executable node, dependencies first; `overrides` patches parameters per node id. */
  async runWorkflow(workflow: Workflow, overrides: Record<string, Record<string, unknown>> = {}): Promise<Map<string, NodeResult>> {
    const wf = parseWorkflow(JSON.parse(JSON.stringify(workflow)));
    for (const [id, params] of Object.entries(overrides)) {
      const node = wf.nodes.find((n) => n.id === id);
      if (!node) throw new Error(`override for unknown node ${id}`);
      node.params = { ...node.params, ...params };
    }
    const json = JSON.stringify(wf);
    const nodes = wf.nodes.filter((n) => isExecutable(getDeclaration(n.type)));
    const results = new Map<string, NodeResult>();
    const pending = new Set(nodes.map((n) => n.id));
    while (pending.size) {
      const ready = nodes.find((n) => pending.has(n.id) && wf.links.every((l) => l.to.node !== n.id || results.has(l.from.node)));
      if (!ready) throw new Error("the workflow has a cycle");
      const inputs: Record<string, unknown> = {};
      for (const l of wf.links.filter((l) => l.to.node === ready.id)) inputs[l.to.port] = results.get(l.from.node)!.outputs[l.from.port];
      results.set(ready.id, await runNode(implementationOf(NODE_IMPLEMENTATIONS, ready.type), this.context(ready.id, json), inputs, ready.params));
      pending.delete(ready.id);
    }
    return results;
  }

  async release(): Promise<void> {
    await this.pool.release();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
