import { LoginForm } from "./LoginForm";

export const metadata = { title: "Sign in · unCLIP Studio" };

export default function LoginPage() {
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-950">
      <LoginForm />
    </main>
  );
}
