/**
 * A value the file makes once in beforeAll and closes in afterAll. Read before beforeAll ran
 * (at the top level of the file) or after it failed, it throws an error that says so, where
 * a bare `let` would hand out undefined and fail somewhere further on.
 */
export function beforeAllValue<T>(what: string, create: () => Promise<T>, close: (value: T) => Promise<unknown>): () => T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await create();
  });
  afterAll(async () => {
    if (value !== undefined) await close(value);
  });
  return () => {
    if (value === undefined) throw new Error(`${what} is read before its beforeAll ran, or that beforeAll failed`);
    return value;
  };
}

/**
 * Fields a beforeAll fills in, for a helper that registers hooks and must return its result
 * at once: `view` reads each field through a getter that throws `unset(key)` while it is
 * unset, and writes it through; `values` is what the hooks fill in and close.
 */
export function lateFields<T extends object>(keys: (keyof T)[], unset: (key: keyof T) => string): { view: T; values: Partial<T> } {
  const values: Partial<T> = {};
  const view = {} as T;
  for (const key of keys) {
    Object.defineProperty(view, key, {
      enumerable: true,
      get() {
        if (values[key] === undefined) throw new Error(unset(key));
        return values[key];
      },
      set(value: T[typeof key]) {
        values[key] = value;
      },
    });
  }
  return { view, values };
}
