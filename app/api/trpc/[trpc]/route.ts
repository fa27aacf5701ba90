import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { refuseForeignRequest } from "../../../../server/api/requestGuard";
import { appRouter } from "../../../../server/api/root";
import { repositories } from "../../../../server/db/repositories";
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
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    // a full disk is 507 Insufficient Storage (tRPC has no code for it; trpc.ts sets the message)
    responseMeta: ({ errors }) => (errors.some((e) => e.message === DISK_FULL_MESSAGE) ? { status: 507 } : {}),
    router: appRouter,
    createContext: async () => ({ services: await getServices(), db: repositories }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}: ${error.message}`);
    },
  });
}

export { handler as GET, handler as POST };
