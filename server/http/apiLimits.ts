/**
 * Limits on one tRPC request, applied before tRPC parses anything: the body size (413) and the
 * number of procedure calls batched into it (400), each answered with the limit, the value and
 * the setting that raises it.
 */
import { type Limits, limitMessage } from "../limitsConfig";
import { readBodyLimited } from "./bodyLimit";

/** How many calls a batched request holds: `/api/trpc/a,b,c?batch=1` → 3. */
export function batchCallCount(url: URL, endpoint: string): number {
  const pathPart = url.pathname.slice(endpoint.length).replace(/^\//, "");
  return url.searchParams.get("batch") === "1" ? pathPart.split(",").length : 1;
}

/** The request to hand to tRPC (its body already read within the limit), or the refusal. */
export async function admitApiRequest(req: Request, endpoint: string, limits: Limits): Promise<Request | Response> {
  const calls = batchCallCount(new URL(req.url), endpoint);
  if (calls > limits.maxBatchCalls) {
    return Response.json({ error: limitMessage("maxBatchCalls", calls, limits, "refused: ") }, { status: 400 });
  }
  if (req.method === "GET" || req.method === "HEAD") return req;
  const body = await readBodyLimited(req, limits.maxBodyBytes);
  if (!body.ok) {
    return Response.json({ error: limitMessage("maxBodyBytes", body.size, limits, "the request body is too large: ") }, { status: 413 });
  }
  return new Request(req.url, { method: req.method, headers: req.headers, body: body.bytes, signal: req.signal });
}
