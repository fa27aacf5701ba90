/**
 * Errors are values with a code, a place and a sentence a person can act on. The CLI maps
 * `kind` to its exit status (bad input → 2, runtime failure → 1); the API passes them on unchanged.
 */
export type ErrorKind = "bad_input" | "bad_package" | "runtime" | "cancelled";

export interface ErrorPlace {
  file?: string;
  parameter?: string;
  node?: string;
  port?: string;
  component?: string;
}

export class UnclipError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly where: ErrorPlace = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UnclipError";
  }
}

/** The caller gave something unusable: a parameter, a tensor, an image. */
export class InputError extends UnclipError {
  constructor(code: string, message: string, where: ErrorPlace = {}) {
    super("bad_input", code, message, where);
    this.name = "InputError";
  }
}

/** A model package is missing a file, has a corrupt one, or its parts disagree. */
export class PackageError extends UnclipError {
  constructor(code: string, message: string, where: ErrorPlace = {}, options?: { cause?: unknown }) {
    super("bad_package", code, message, where, options);
    this.name = "PackageError";
  }
}

export class CancelledError extends UnclipError {
  constructor(message = "cancelled") {
    super("cancelled", "cancelled", message);
    this.name = "CancelledError";
  }
}

export function isUnclipError(e: unknown): e is UnclipError {
  return e instanceof UnclipError;
}
