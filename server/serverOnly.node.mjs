// `#server-only` resolves here wherever the "browser" condition is absent: on the server (Next's
// server layers, the CLI, workers, tests) the marker does nothing. In a browser bundle it resolves
// to the `server-only` package instead, which refuses to load: engine code cannot reach the editor.
export {};
