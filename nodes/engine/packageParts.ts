/** Turning a loaded package into wire values: component handles and schedulers with step counts. */
import { requireComponents, type SchedulerComponent } from "../../server/runtime/modelPackage";
import type { UnclipComponents } from "../../server/unclip/components";
import type { ComponentRow, SchedulerRow } from "../core/componentTable";
import { type ComponentHandle, HANDLE_PACKAGE_COMPONENTS, type MissingComponentValue, type SchedulerValue } from "./values";

function missing(packageName: string, component: MissingComponentValue["component"], err: unknown): MissingComponentValue {
  return { kind: "missing_component", component, packageName, message: (err as Error).message };
}

/** The handle, or a marker whose use fails with the reason when the package lacks the part. */
export function componentOrMissing(components: UnclipComponents, packageName: string, row: ComponentRow): ComponentHandle | MissingComponentValue {
  try {
    requireComponents(components.pkg, HANDLE_PACKAGE_COMPONENTS[row.key], `the ${row.label} output of package "${packageName}"`);
  } catch (err) {
    return missing(packageName, row.key, err);
  }
  return { kind: "component", component: row.key, packageName, components };
}

/** Like componentOrMissing, but fails at once (a loader for just this part). */
export function componentHandle(components: UnclipComponents, packageName: string, row: ComponentRow): ComponentHandle {
  requireComponents(components.pkg, HANDLE_PACKAGE_COMPONENTS[row.key], `Load ${row.label} (package "${packageName}")`);
  return { kind: "component", component: row.key, packageName, components };
}

export function schedulerComponent(row: SchedulerRow): SchedulerComponent {
  return `${row.which}_scheduler`;
}

/** The package's scheduler for a stage, set to the reference step count. */
export async function packageScheduler(components: UnclipComponents, packageName: string, row: SchedulerRow): Promise<SchedulerValue> {
  const component = schedulerComponent(row);
  requireComponents(components.pkg, [component], `the ${row.label.toLowerCase()} of package "${packageName}"`);
  const scheduler = await components.scheduler(component);
  return { kind: "scheduler", component, packageName, config: scheduler.config, scheduler, numInferenceSteps: row.defaultSteps };
}

export async function schedulerOrMissing(
  components: UnclipComponents,
  packageName: string,
  row: SchedulerRow,
): Promise<SchedulerValue | MissingComponentValue> {
  if (components.has(schedulerComponent(row))) return packageScheduler(components, packageName, row);
  try {
    requireComponents(components.pkg, [schedulerComponent(row)], `the ${row.label.toLowerCase()} of package "${packageName}"`);
  } catch (err) {
    return missing(packageName, schedulerComponent(row), err);
  }
  return packageScheduler(components, packageName, row);
}
