import type { Metadata } from "next";
import "./globals.css";

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
