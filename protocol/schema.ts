/**
 * A tiny runtime schema for wire frames: every field is a primitive with bounds, objects are exact
 * (unknown keys are rejected, so a smuggled `from` never reaches a handler), and the parsed value is
 * typed. Written here rather than pulled in because it is small and sits on the hot path.
 */

export type Issue = { path: string; problem: string };
export type Result<T> = { ok: true; value: T } | { ok: false; issue: Issue };

export interface Schema<T> {
  parse(input: unknown, path?: string): Result<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const fail = (path: string, problem: string): Result<never> => ({
  ok: false,
  issue: { path, problem },
});

export function str(opts: { min?: number; max: number; pattern?: RegExp }): Schema<string> {
  const min = opts.min ?? 0;
  return {
    parse(input, path = "") {
      if (typeof input !== "string") return fail(path, "must be a string");
      if (input.length < min) return fail(path, `must have at least ${min} characters`);
      if (input.length > opts.max) return fail(path, `must have at most ${opts.max} characters`);
      if (opts.pattern && !opts.pattern.test(input)) {
        return fail(path, `must match ${opts.pattern}`);
      }
      if (input.includes("\u0000")) return fail(path, "must not contain NUL");
      if (!input.isWellFormed()) return fail(path, "must not contain lone surrogates");
      return { ok: true, value: input };
    },
  };
}

export function int(opts: { min: number; max: number }): Schema<number> {
  return {
    parse(input, path = "") {
      if (typeof input !== "number" || !Number.isSafeInteger(input)) {
        return fail(path, "must be a safe integer");
      }
      if (input < opts.min || input > opts.max) {
        return fail(path, `must be between ${opts.min} and ${opts.max}`);
      }
      return { ok: true, value: input };
    },
  };
}

/** A finite number (not NaN or Infinity, which JSON cannot carry anyway) within bounds. */
export function num(opts: { min: number; max: number }): Schema<number> {
  return {
    parse(input, path = "") {
      if (typeof input !== "number" || !Number.isFinite(input)) {
        return fail(path, "must be a finite number");
      }
      if (input < opts.min || input > opts.max) {
        return fail(path, `must be between ${opts.min} and ${opts.max}`);
      }
      return { ok: true, value: input };
    },
  };
}

export function bool(): Schema<boolean> {
  return {
    parse(input, path = "") {
      return typeof input === "boolean"
        ? { ok: true, value: input }
        : fail(path, "must be a boolean");
    },
  };
}

export function literal<const L extends string>(...values: L[]): Schema<L> {
  return {
    parse(input, path = "") {
      return values.includes(input as L)
        ? { ok: true, value: input as L }
        : fail(path, `must be one of ${values.join(", ")}`);
    },
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { optional: true } {
  return {
    optional: true,
    parse(input, path = "") {
      return input === undefined ? { ok: true, value: undefined } : inner.parse(input, path);
    },
  };
}

export function list<T>(item: Schema<T>, max: number): Schema<T[]> {
  return {
    parse(input, path = "") {
      if (!Array.isArray(input)) return fail(path, "must be an array");
      if (input.length > max) return fail(path, `must have at most ${max} items`);
      const out: T[] = [];
      for (let i = 0; i < input.length; i++) {
        const r = item.parse(input[i], `${path}[${i}]`);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return { ok: true, value: out };
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { optional: true } ? K : never;
}[keyof S];
export type ObjectOf<S extends Shape> =
  & { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> }
  & { [K in OptionalKeys<S>]?: Infer<S[K]> };

/**
 * An exact object: unknown keys are refused. `check` sees the parsed value and names a problem
 * that involves several fields (e.g. "exactly one of a and b"), or returns null.
 */
export function object<S extends Shape>(
  shape: S,
  check?: (value: ObjectOf<S>) => string | null,
): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return {
    parse(input, path = "") {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return fail(path, "must be an object");
      }
      for (const k of Object.keys(input)) {
        if (!Object.hasOwn(shape, k)) return fail(join(path, k), "is not allowed");
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const r = shape[k].parse((input as Record<string, unknown>)[k], join(path, k));
        if (!r.ok) return r;
        if (r.value !== undefined) out[k] = r.value;
      }
      const problem = check?.(out as ObjectOf<S>);
      if (problem) return fail(path, problem);
      return { ok: true, value: out as ObjectOf<S> };
    },
  };
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * A discriminated union: the string field `tag` picks which exact object schema parses the whole
 * input, so each variant keeps its own fields and checks. The parsed type is the union of the
 * variants' types, narrowed by the tag as TypeScript narrows any discriminated union.
 */
export function oneOf<const K extends string, V extends Record<string, Schema<unknown>>>(
  tag: K,
  variants: V,
): Schema<Infer<V[keyof V]>> {
  const names = Object.keys(variants);
  return {
    parse(input, path = "") {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return fail(path, "must be an object");
      }
      const t = (input as Record<string, unknown>)[tag];
      if (typeof t !== "string" || !Object.hasOwn(variants, t)) {
        return fail(join(path, tag), `must be one of ${names.join(", ")}`);
      }
      return variants[t].parse(input, path) as Result<Infer<V[keyof V]>>;
    },
  };
}
