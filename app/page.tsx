import { Editor } from "./editor/Editor";
import { ApiProvider } from "./trpc/client";

export default function Home() {
  return (
    <ApiProvider>
      <Editor />
    </ApiProvider>
  );
}
