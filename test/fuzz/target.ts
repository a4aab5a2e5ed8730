import { lateFields } from '../support/hooks';
import { useTestStack, type TestStack } from '../support/stack';
import { listen, stateSnapshot, type RawClient } from './support';

/** The app a fuzz file sends its inputs to: the file's stack, and raw HTTP to its API on a port of its own. */
export interface FuzzTarget extends TestStack {
  http: RawClient;
}

/**
 * Registers the file's hooks: beforeAll starts the target and runs `seed` (the coupons and
 * user coupons the inputs aim at); after each test, nothing of the state it then had may have
 * changed (rows, Redis keys and values, Object.prototype); afterAll stops it. The vars are the
 * API's; the fields are getters that throw if read before beforeAll ran.
 */
export function useFuzzTarget(vars: Record<string, string>, seed: (target: FuzzTarget) => Promise<void>): FuzzTarget {
  const stack = useTestStack({ apiVars: vars });
  const { view, values } = lateFields<Pick<FuzzTarget, 'http'>>(['http'],
    () => 'the fuzz target is read before its beforeAll ran, or that beforeAll failed');
  const target = Object.defineProperty(stack, 'http', { get: () => view.http }) as FuzzTarget;
  let before: Awaited<ReturnType<typeof stateSnapshot>>;
  beforeAll(async () => {
    values.http = await listen(stack.api);
    await seed(target);
    before = await stateSnapshot(stack.env);
  });
  afterEach(async () => {
    expect(await stateSnapshot(stack.env)).toEqual(before);
  });
  afterAll(async () => {
    await values.http?.close();
  });
  return target;
}
