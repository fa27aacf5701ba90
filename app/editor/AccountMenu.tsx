"use client";
/** The signed-in person's name in the toolbar, with the Class page (teachers) and Sign out. Nothing in personal mode. */
import { useQuery } from "@tanstack/react-query";
import { signOut } from "../account/session";
import { useTRPC } from "../trpc/client";
import { Menu, type MenuItem } from "./Menu";

/** The signed-in user in class mode, else null (personal mode shows nothing of accounts). */
export function useClassUser() {
  const trpc = useTRPC();
  const me = useQuery(trpc.account.me.queryOptions());
  return me.data?.mode === "class" ? (me.data.user ?? null) : null;
}

export function AccountMenu() {
  const trpc = useTRPC();
  const me = useQuery(trpc.account.me.queryOptions());
  const user = me.data?.user;
  if (me.data?.mode !== "class" || !user) return null;
  const items: MenuItem[] = [];
  if (user.role === "teacher") items.push({ label: "Class…", onSelect: () => window.location.assign("/class") });
  items.push({ label: "Sign out", onSelect: () => void signOut(), separatorBefore: user.role === "teacher" });
  return <Menu label={`${user.name} (${user.role})`} items={items} />;
}
