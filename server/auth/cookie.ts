/**
 * The session cookie's name prefix, in a module of its own so that proxy.ts (which runs before
 * every page) can look for the cookie without loading the database layer.
 */
export const COOKIE_PREFIX = "unclip";
