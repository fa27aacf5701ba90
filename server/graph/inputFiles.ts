/**
 * Whether an input file a Load Image (or Noise) parameter names exists, for validation: the
 * editor stores uploads under generated names in <DATA_DIR>/uploads, so a name that is not there
 * would only fail when the run reaches the node. Checked before anything is queued instead.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { ParamSpec } from "../../nodes/core/types";
import { isExampleValue } from "../../nodes/core/examples";
import { exampleExists } from "../examples";

const UPLOAD_NAME = /^[0-9a-f]{64}\.[a-z0-9]{2,5}$/;

export function uploadExistsIn(uploadsDir: string): (name: string, param: ParamSpec) => boolean {
  return (name) => {
    if (!UPLOAD_NAME.test(name)) return false;
    try {
      return statSync(path.join(uploadsDir, name)).isFile();
    } catch {
      return false;
    }
  };
}

/** The CLI (`unclip run`): a parameter may also be a path to a regular file. */
export function uploadOrFileExists(uploadsDir: string | null): (name: string, param: ParamSpec) => boolean {
  const upload = uploadsDir ? uploadExistsIn(uploadsDir) : () => false;
  return (name, param) => {
    if (upload(name, param)) return true;
    try {
      return existsSync(name) && statSync(name).isFile();
    } catch {
      return false;
    }
  };
}

/**
 * An `example:<file>` value is checked against the shipped examples (everyone may use them, in
 * every mode); any other value by `check`, the upload rules.
 */
export function orExample(rootDir: string, check: (name: string, param: ParamSpec) => boolean): (name: string, param: ParamSpec) => boolean {
  return (name, param) => (isExampleValue(name) ? exampleExists(rootDir, name) : check(name, param));
}
