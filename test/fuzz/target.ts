import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
import { lateFields } from '../support/hooks';
import { listen, stateSnapshot, type RawClient } from './support';

/** The app a fuzz file sends its inputs to. */
export interface FuzzTarget {
  env: TestEnv;
  /** The in-process API, started with the file's `vars`. */
  api: TestApi;
  /** Raw HTTP to that API on a port of its own. */
  http: RawClient;
}

/**
 * Registers the file's hooks: beforeAll starts the target and runs `seed` (the coupons and
 * user coupons the inputs aim at); after each test, nothing of the state it then had may have
 * changed (rows, Redis keys and values, Object.prototype); afterAll stops it. The fields are
 * getters that throw if read before beforeAll ran.
 */
export function useFuzzTarget(vars: Record<string, string>, seed: (target: FuzzTarget) => Promise<void>): FuzzTarget {
  const { view, values } = lateFields<FuzzTarget>(['env', 'api', 'http'],
    () => 'the fuzz target is read before its beforeAll ran, or that beforeAll failed');
  let before: Awaited<ReturnType<typeof stateSnapshot>>;
  beforeAll(async () => {
    values.env = await createTestEnv();
    values.api = await startTestApi(values.env, vars);
    values.http = await listen(values.api);
    await seed(view);
    before = await stateSnapshot(values.env);
  });
  afterEach(async () => {
    expect(await stateSnapshot(view.env)).toEqual(before);
  });
  afterAll(async () => {
    await values.http?.close();
    await values.api?.close();
    await values.env?.close();
  });
  return view;
}
