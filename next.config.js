// @ts-check
import { createRequire } from "node:module";

// The constant security headers, shared with proxy.ts through server/http/securityHeaders.ts.
const { common, dataCsp } = createRequire(import.meta.url)("./server/http/securityHeaders.json");

/** @type {import("next").NextConfig} */
const nextConfig = {
  // onnxruntime-node, sharp and the Prisma client load native code: keep them out of the bundle
  serverExternalPackages: [
    "onnxruntime-node",
    "sharp",
    "@prisma/client",
    "@libsql/client",
    "@huggingface/tokenizers",
    "bullmq",
    "ioredis",
    "pg",
    "@prisma/adapter-pg",
  ],
  typedRoutes: false,
  // the app and what it imports; tests and scripts are checked by `npm run typecheck`
  typescript: { tsconfigPath: "tsconfig.next.json" },
  devIndicators: false,
  // no "X-Powered-By: Next.js" (security headers: proxy.ts)
  poweredByHeader: false,
  // the API is outside proxy.ts (see there): the same headers, statically
  async headers() {
    const headers = Object.entries({ ...common, "Content-Security-Policy": dataCsp }).map(([key, value]) => ({ key, value }));
    return [{ source: "/api/:path*", headers }];
  },
};

export default nextConfig;
