"use client";
import { useEffect, useState } from "react";

/** `value`, once it has stayed the same for `ms` (a filter typed letter by letter asks the server once). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
