import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { refuseForeignRequest } from "../../../../server/api/requestGuard";
import { appRouter } from "../../../../server/api/root";
import { repositories } from "../../../../server/db/repositories";
import { getServices } from "../../../../server/services";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function handler(req: Request) {
  const refused = refuseForeignRequest(req);
  if (refused) return refused;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({ services: await getServices(), db: repositories }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}: ${error.message}`);
    },
  });
}

export { handler as GET, handler as POST };
