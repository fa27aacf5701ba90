import { ApiProvider } from "../trpc/client";
import { ClassPage } from "./ClassPage";

export const metadata = { title: "Class · unCLIP Studio" };

export default function Page() {
  return (
    <ApiProvider>
      <ClassPage />
    </ApiProvider>
  );
}
