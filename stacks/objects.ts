/**
 * Tests on configuration as parsed from YAML or JSON, where a key may be any string
 * (`constructor` included) and a value any shape.
 */

/** Own keys only: an image or network called `constructor` must not match Object's. */
export const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
