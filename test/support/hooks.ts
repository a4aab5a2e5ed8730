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
