"use client";
/**
 * The React Flow canvas: controlled by the graph store, with connections checked while dragging,
 * a dropped wire opening the palette filtered to nodes that fit, double-click to add a node, and
 * image/JSON files dropped on it opening the workflow inside them.
 */
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeTypes,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { checkConnection } from "./lib/connection";
import { findPort, portColor } from "./lib/ports";
import type { StudioEdge } from "./lib/types";
import { ConnectionLine } from "./ConnectionLine";
import { FrameView } from "./FrameView";
import { displayGraph, frameGroupId, isFrameNode, type CanvasNode } from "./lib/groups";
import { StudioEdgeView } from "./StudioEdgeView";
import { contains, fitViewport, unionBox, type Box } from "./lib/fit";
import { NODE_WIDTH, StudioNodeView } from "./StudioNodeView";
import { useRuns } from "./state/runStore";
import { useGraph } from "./state/graphStore";
import { pointer } from "./state/pointer";
import { useUi } from "./state/uiStore";
import { useTheme } from "./theme";

const NODE_TYPES: NodeTypes = { studio: StudioNodeView, frame: FrameView };
/** Every wire is drawn by StudioEdgeView (React Flow's curve, or through its reroute points). */
const EDGE_TYPES: EdgeTypes = { default: StudioEdgeView };

/** The minimap's size on screen; the fit keeps the band under the graph clear of it and the zoom controls. */
const MINIMAP = { width: 168, height: 112 };
/** Screen pixels the fit leaves free: the minimap and controls sit in the bottom corners (24 px from the edge). */
const FIT_INSETS = { top: 20, right: 20, left: 52, bottom: MINIMAP.height + 24 + 8 };
/** Room kept under an output node that shows no image yet, for the one a run will add (flow pixels). */
const RESULT_ROOM = 240;

/** The node and frame boxes the fit must show, output nodes grown by the image they will show after a run. */
function fitBoxes(all: CanvasNode[]): Box[] {
  const g = useGraph.getState();
  const shown = useRuns.getState().outputs;
  return all.flatMap((n) => {
    // members of a collapsed frame are hidden; the frame stands for them
    if (n.hidden) return [];
    if (isFrameNode(n)) return [{ x: n.position.x, y: n.position.y, width: n.width ?? 0, height: n.height ?? 0 }];
    const width = n.measured?.width ?? n.width ?? NODE_WIDTH;
    const height = n.measured?.height ?? n.height ?? 160;
    const waitsForImage = g.catalog.get(n.data.type)?.output && !shown[n.id]?.images?.length;
    return [{ x: n.position.x, y: n.position.y, width, height: height + (waitsForImage ? RESULT_ROOM : 0) }];
  });
}

export function Canvas({ onFiles }: { onFiles: (files: File[], on: { nodeId: string | null; at: { x: number; y: number } }) => void }) {
  const graphNodes = useGraph((s) => s.nodes);
  const graphEdges = useGraph((s) => s.edges);
  const groups = useGraph((s) => s.groups);
  // frames are drawn as nodes behind their members; a collapsed frame hides them and takes their wires
  const { nodes, edges } = useMemo(() => displayGraph({ nodes: graphNodes, edges: graphEdges, groups }), [graphNodes, graphEdges, groups]);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const onEdgesChange = useGraph((s) => s.onEdgesChange);
  const beginDrag = useGraph((s) => s.beginDrag);
  const flow = useReactFlow<CanvasNode, StudioEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  const [dragOver, setDragOver] = useState(false);
  const fitRequest = useUi((s) => s.fitRequest);
  const { light } = useTheme();
  const wiresHidden = useUi((s) => s.wiresHidden);
  const finishedRun = useRuns((s) => (s.focusRunId && s.runs[s.focusRunId]?.status === "finished" ? s.focusRunId : null));

  /** Fit the whole graph into the canvas area the minimap and controls leave free. */
  const fit = useCallback(() => {
    const box = wrapper.current?.getBoundingClientRect();
    const bounds = unionBox(fitBoxes(flow.getNodes()));
    if (!box || !bounds) return;
    void flow.setViewport(fitViewport(bounds, box.width, box.height, FIT_INSETS, 1, 0.1));
  }, [flow]);

  // a newly opened, switched or re-laid-out graph is shown whole
  useEffect(() => {
    if (fitRequest === 0) return;
    // two frames: React Flow measures the new nodes in the first
    let inner = 0;
    const outer = requestAnimationFrame(() => (inner = requestAnimationFrame(fit)));
    return () => {
      cancelAnimationFrame(outer);
      cancelAnimationFrame(inner);
    };
  }, [fit, fitRequest]);

  // after a run, its results must be on screen without panning: refit when an output's picture is not wholly visible
  useEffect(() => {
    if (!finishedRun) return;
    let inner = 0;
    const check = () => {
      const box = wrapper.current?.getBoundingClientRect();
      if (!box) return;
      const free = {
        x: box.x + FIT_INSETS.left / 2,
        y: box.y,
        width: box.width - FIT_INSETS.left / 2,
        height: box.height - FIT_INSETS.bottom + 8,
      };
      const pictures = [...(wrapper.current?.querySelectorAll("img[data-output-image]") ?? [])].map((img) => img.getBoundingClientRect());
      if (!cancelled && pictures.some((r) => !contains(free, r))) fit();
    };
    let cancelled = false;
    // the pictures have their size once decoded, and are laid out on their nodes a frame later
    const images = [...(wrapper.current?.querySelectorAll("img[data-output-image]") ?? [])] as HTMLImageElement[];
    void Promise.all(images.map((img) => img.decode().catch(() => undefined))).then(() => {
      if (!cancelled) inner = requestAnimationFrame(() => requestAnimationFrame(check));
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(inner);
    };
  }, [finishedRun, fit]);

  const isValidConnection: IsValidConnection<StudioEdge> = useCallback((c) => {
    const s = useGraph.getState();
    return checkConnection(c, s, s.catalog).ok;
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const verdict = useGraph.getState().connect(c);
    if (!verdict.ok) useUi.getState().notify(verdict.reason, "error");
  }, []);

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle) return;
      const s = useGraph.getState();
      if (state.toHandle && state.toNode) {
        const forward = state.fromHandle.type === "source";
        const verdict = checkConnection(
          forward
            ? { source: state.fromNode.id, sourceHandle: state.fromHandle.id, target: state.toNode.id, targetHandle: state.toHandle.id }
            : { source: state.toNode.id, sourceHandle: state.toHandle.id, target: state.fromNode.id, targetHandle: state.fromHandle.id },
          s,
          s.catalog,
        );
        if (!verdict.ok) useUi.getState().notify(`Connection refused: ${verdict.reason}`, "error");
        return;
      }
      // only a drop on empty canvas (not on a node, the minimap or the controls) offers new nodes
      const target = event.target as Element | null;
      if (!target?.closest(".react-flow") || target.closest(".react-flow__node, .react-flow__panel")) return;
      const point = "changedTouches" in event ? event.changedTouches[0] : event;
      const from = state.fromHandle.type === "source" ? "output" : "input";
      const node = s.nodes.find((n) => n.id === state.fromNode.id);
      const port = node && findPort(s.catalog, node.data.type, from, state.fromHandle.id, node.data.paramInputs);
      if (!port) return;
      useUi.getState().openPalette(flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }), {
        nodeId: node.id,
        handle: port.name,
        from,
        type: port.type,
      });
    },
    [flow],
  );

  /** Double-clicking a wire adds a reroute point there (between the points it passes nearest). */
  const onEdgeDoubleClick = useCallback(
    (e: React.MouseEvent, edge: StudioEdge) => {
      const source = flow.getInternalNode(edge.source);
      const target = flow.getInternalNode(edge.target);
      if (!source || !target || frameGroupId(edge.source) !== null || frameGroupId(edge.target) !== null) return;
      const s = source.internals.positionAbsolute;
      const t = target.internals.positionAbsolute;
      const from = { x: s.x + (source.measured.width ?? 0), y: s.y + (source.measured.height ?? 0) / 2 };
      const to = { x: t.x, y: t.y + (target.measured.height ?? 0) / 2 };
      useGraph.getState().addLinkPoint(edge.id, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }), from, to);
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: React.MouseEvent) => {
      if (!(e.target as Element).classList.contains("react-flow__pane")) return;
      useUi.getState().openPalette(flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [flow],
  );

  return (
    <div
      ref={wrapper}
      className={`relative h-full w-full ${wiresHidden ? "studio-wires-hidden" : ""} ${dragOver ? "outline-2 -outline-offset-4 outline-dashed outline-sky-400" : ""}`}
      onDoubleClick={onDoubleClick}
      onPointerMove={(e) => {
        pointer.flow = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      }}
      onPointerLeave={() => {
        pointer.flow = null;
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setDragOver(true);
      }}
      onDragLeave={() => setDragOver(false)}
      onDrop={(e) => {
        setDragOver(false);
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        // React Flow puts the node id on the node's wrapper
        const hit = (e.target as Element | null)?.closest?.(".react-flow__node")?.getAttribute("data-id") ?? null;
        // a drop on a frame's title bar is a drop on the canvas
        const nodeId = hit !== null && frameGroupId(hit) === null ? hit : null;
        onFiles([...e.dataTransfer.files], { nodeId, at: flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }) });
      }}
      data-testid="canvas"
    >
      <ReactFlow<CanvasNode, StudioEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        onEdgeDoubleClick={onEdgeDoubleClick}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionRadius={24}
        onNodeDragStart={beginDrag}
        onNodeContextMenu={(e, n) => {
          e.preventDefault();
          if (isFrameNode(n)) return;
          useUi.getState().setNodeMenu({ nodeId: n.id, x: e.clientX, y: e.clientY });
        }}
        onSelectionDragStart={beginDrag}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control"]}
        zoomOnDoubleClick={false}
        minZoom={0.1}
        maxZoom={2.5}
        colorMode={light ? "light" : "dark"}
        defaultEdgeOptions={{ interactionWidth: 16 }}
        aria-label="Workflow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} color={light ? "#cbd5e1" : "#1e293b"} />
        <MiniMap<CanvasNode>
          pannable
          zoomable
          position="bottom-right"
          className="!bottom-6"
          style={MINIMAP}
          nodeColor={(n) => (isFrameNode(n) ? "rgba(100,116,139,0.25)" : n.selected ? "#38bdf8" : "#334155")}
          nodeStrokeColor={(n) => {
            if (isFrameNode(n)) return "transparent";
            const out = useGraph.getState().catalog.get(n.data.type)?.outputs[0];
            return portColor(out?.type);
          }}
          maskColor={light ? "rgba(226,232,240,0.7)" : "rgba(2,6,23,0.7)"}
          ariaLabel="Mini map"
        />
        <Controls position="bottom-left" showInteractive={false} aria-label="Zoom and fit">
          <ControlButton
            onClick={() => useUi.getState().setWiresHidden(!wiresHidden)}
            aria-label={wiresHidden ? "Show wires" : "Hide wires"}
            title={wiresHidden ? "Show wires" : "Hide wires (they still connect)"}
            aria-pressed={wiresHidden}
          >
            <span aria-hidden className="text-[11px] font-semibold">
              {wiresHidden ? "⌁̸" : "⌁"}
            </span>
          </ControlButton>
        </Controls>
      </ReactFlow>
      {nodes.length === 0 && (
        <p className="pointer-events-none absolute inset-x-0 top-1/3 text-center text-lg text-slate-500" data-testid="empty-hint">
          Add node (Space) or pick a template
        </p>
      )}
    </div>
  );
}
