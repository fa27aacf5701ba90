import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { refuseForeignRequest } from "../../../../server/api/requestGuard";
import { appRouter, OPEN_PROCEDURES } from "../../../../server/api/root";
import { contextFor } from "../../../../server/api/trpc";
import { viewerOf } from "../../../../server/auth/viewer";
import { getServices } from "../../../../server/services";
import { getEnv } from "../../../../server/env";
import { admitApiRequest } from "../../../../server/http/apiLimits";
import { DISK_FULL_MESSAGE } from "../../../../server/http/diskFull";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

async function handler(incoming: Request) {
  const refused = refuseForeignRequest(incoming);
  if (refused) return refused;
  const req = await admitApiRequest(incoming, "/api/trpc", getEnv().limits);
  if (req instanceof Response) return req;
  const viewer = await viewerOf(req.headers);
  if (!viewer) {
    // signed out: 401 for anything but the open procedures (the sign-in page's "who am I"),
    // before any input is parsed; the procedures refuse as well (server/api/trpc.ts)
    const paths = decodeURIComponent(new URL(req.url).pathname.slice("/api/trpc/".length)).split(",");
    if (!paths.every((p) => OPEN_PROCEDURES.has(p))) return Response.json({ error: "sign in first (/login)" }, { status: 401 });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    // a full disk is 507 Insufficient Storage (tRPC has no code for it; trpc.ts sets the message)
    responseMeta: ({ errors }) => (errors.some((e) => e.message === DISK_FULL_MESSAGE) ? { status: 507 } : {}),
    router: appRouter,
    createContext: async () => contextFor(await getServices(), viewer),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}: ${error.message}`);
    },
  });
}

export { handler as GET, handler as POST };
