import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // onnxruntime-node, sharp and the Prisma client load native code: keep them out of the bundle
  serverExternalPackages: ["onnxruntime-node", "sharp", "@prisma/client", "@libsql/client", "@huggingface/tokenizers", "bullmq", "ioredis", "pg", "@prisma/adapter-pg"],
  typedRoutes: false,
  // the app and what it imports; tests and scripts are checked by `npm run typecheck`
  typescript: { tsconfigPath: "tsconfig.next.json" },
  devIndicators: false,
  // no "X-Powered-By: Next.js" (security headers: proxy.ts)
  poweredByHeader: false,
};

export default nextConfig;
