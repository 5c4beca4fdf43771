/**
 * How a stack's `kvm-k8s:site` is laid over its profile's site. Validation then judges the
 * merged site as a whole, so a profile's value and a stack's are checked alike.
 */
import { isPlainObject } from "./objects";

/**
 * Keys whose objects replace rather than merge: a release's `chart` is one of three shapes,
 * and merging `{oci}` into a profile's `{repo, name}` would make it none of them. Under
 * `images` the same holds for each image (`{url}`, `{file}` or `{volume, pool?}`).
 */
const REPLACED_WHOLE = new Set(["chart"]);
const CHILDREN_REPLACED_WHOLE = new Set(["images"]);

/**
 * Overlay `override` on `base`: objects merge key by key, anything else (lists included)
 * replaces, and `null` removes the key. Lists replace so that removing a worker is removing
 * its entry.
 */
export function overlay(base: unknown, override: unknown, wholeChildren = false): unknown {
    if (override === undefined) {
        return base;
    }
    if (!isPlainObject(base) || !isPlainObject(override)) {
        return override;
    }
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        if (value === null) {
            delete merged[key];
        } else {
            merged[key] = wholeChildren || REPLACED_WHOLE.has(key) ? value : overlay(base[key], value, CHILDREN_REPLACED_WHOLE.has(key));
        }
    }
    return merged;
}
