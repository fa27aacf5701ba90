/** Open to everyone, signed in or not (load balancers, scripts waiting for the server): says only that it answers. */
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ ok: true });
}
