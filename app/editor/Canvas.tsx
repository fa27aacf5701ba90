"use client";
/**
 * The React Flow canvas: controlled by the graph store, with connections checked while dragging,
 * a dropped wire opening the palette filtered to nodes that fit, double-click to add a node, and
 * image/JSON files dropped on it opening the workflow inside them.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useRef, useState } from "react";
import { checkConnection } from "./lib/connection";
import { findPort, portColor } from "./lib/ports";
import type { StudioEdge, StudioNode } from "./lib/types";
import { ConnectionLine } from "./ConnectionLine";
import { StudioNodeView } from "./StudioNodeView";
import { useGraph } from "./state/graphStore";
import { pointer } from "./state/pointer";
import { useUi } from "./state/uiStore";

const NODE_TYPES: NodeTypes = { studio: StudioNodeView };

/** The smallest zoom at which node text stays comfortably legible. */
const READABLE_ZOOM = 0.8;

export function Canvas({ onFiles }: { onFiles: (files: File[]) => void }) {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const onEdgesChange = useGraph((s) => s.onEdgesChange);
  const beginDrag = useGraph((s) => s.beginDrag);
  const flow = useReactFlow<StudioNode, StudioEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  const [dragOver, setDragOver] = useState(false);
  const fitRequest = useUi((s) => s.fitRequest);

  // A newly opened graph is shown whole when that keeps it readable; a wide one is shown from
  // its start (where data enters) at a readable zoom, the minimap showing the rest.
  useEffect(() => {
    const show = () => {
      const box = wrapper.current?.getBoundingClientRect();
      const nodes = flow.getNodes();
      if (!box || !nodes.length) return;
      const bounds = flow.getNodesBounds(nodes);
      const pad = 24;
      const fitZoom = Math.min((box.width - 2 * pad) / bounds.width, (box.height - 2 * pad) / bounds.height, 1);
      if (fitZoom >= READABLE_ZOOM) return void flow.fitView({ padding: 0.06, maxZoom: 1 });
      const zoom = Math.min(READABLE_ZOOM, (box.height - 2 * pad) / bounds.height);
      void flow.setViewport({ x: pad - bounds.x * zoom, y: pad - bounds.y * zoom, zoom });
    };
    if (fitRequest === 0) return;
    // two frames: React Flow measures the new nodes in the first
    const frame = requestAnimationFrame(() => requestAnimationFrame(show));
    return () => cancelAnimationFrame(frame);
  }, [flow, fitRequest]);

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
      const port = node && findPort(s.catalog, node.data.type, from, state.fromHandle.id);
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
      className={`relative h-full w-full ${dragOver ? "outline-2 -outline-offset-4 outline-dashed outline-sky-400" : ""}`}
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
        onFiles([...e.dataTransfer.files]);
      }}
      data-testid="canvas"
    >
      <ReactFlow<StudioNode, StudioEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionRadius={24}
        onNodeDragStart={beginDrag}
        onSelectionDragStart={beginDrag}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control"]}
        zoomOnDoubleClick={false}
        minZoom={0.1}
        maxZoom={2.5}
        colorMode="dark"
        defaultEdgeOptions={{ interactionWidth: 16 }}
        aria-label="Workflow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} color="#1e293b" />
        <MiniMap<StudioNode>
          pannable
          zoomable
          position="bottom-right"
          className="!bottom-6"
          nodeColor={(n) => (n.selected ? "#38bdf8" : "#334155")}
          nodeStrokeColor={(n) => {
            const out = useGraph.getState().catalog.get(n.data.type)?.outputs[0];
            return portColor(out?.type);
          }}
          maskColor="rgba(2,6,23,0.7)"
          ariaLabel="Mini map"
        />
        <Controls position="bottom-left" showInteractive={false} aria-label="Zoom and fit" />
      </ReactFlow>
    </div>
  );
}
