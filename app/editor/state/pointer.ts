/** Last pointer position over the canvas, in flow coordinates: where paste and Space put new nodes. */
export const pointer = { flow: null as { x: number; y: number } | null };
