"use client";
/**
 * The browser's tRPC client: queries and mutations batched over HTTP, the run-event
 * subscription over SSE; superjson on both, as the server uses.
 */
import "./zodJitless";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import type { AppRouter } from "../../server/api/root";
import type { ValidationError } from "../../nodes/core/graphRules";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

const URL = "/api/trpc";

/** Signed out (class mode, a session that ended): back to the sign-in page. */
const fetchOrSignIn: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401 && window.location.pathname !== "/login") window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  return res;
};

function makeClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: URL, transformer: superjson }),
        // never more calls in one request than the server accepts (UNCLIP_MAX_BATCH_CALLS, default 32)
        false: httpBatchLink({ url: URL, transformer: superjson, maxItems: 16, fetch: fetchOrSignIn }),
      }),
    ],
  });
}

export function ApiProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false, retry: 1 } } }));
  const [trpcClient] = useState(makeClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** Validation problems a failed enqueue carries (see server/api/trpc.ts errorFormatter). */
export function validationErrorsOf(err: unknown): ValidationError[] | null {
  const data = (err as { data?: { validationErrors?: unknown } } | null)?.data;
  return Array.isArray(data?.validationErrors) ? (data.validationErrors as ValidationError[]) : null;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
