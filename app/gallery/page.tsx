import type { Metadata } from "next";
import { ApiProvider } from "../trpc/client";
import { Gallery } from "./Gallery";

export const metadata: Metadata = { title: "Gallery · unCLIP Studio" };

export default function GalleryPage() {
  return (
    <ApiProvider>
      <Gallery />
    </ApiProvider>
  );
}
