import type { Metadata } from "next";
import "./globals.css";

// Rendered per request: the CSP nonce proxy.ts makes is applied to scripts only while rendering.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "unCLIP Studio",
  description: "Build, run and study unCLIP (Karlo) text-to-image workflows as node graphs.",
  // served as a static file from public/
  icons: { icon: "/favicon.svg" },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="h-full antialiased">{children}</body>
    </html>
  );
}
