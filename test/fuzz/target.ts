import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
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
  let env: TestEnv | undefined;
  let api: TestApi | undefined;
  let http: RawClient | undefined;
  let before: Awaited<ReturnType<typeof stateSnapshot>>;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fuzz target is read before its beforeAll ran, or that beforeAll failed');
    return value;
  };
  const target: FuzzTarget = {
    get env() {
      return ready(env);
    },
    get api() {
      return ready(api);
    },
    get http() {
      return ready(http);
    },
  };
  beforeAll(async () => {
    env = await createTestEnv();
    api = await startTestApi(env, vars);
    http = await listen(api);
    await seed(target);
    before = await stateSnapshot(env);
  });
  afterEach(async () => {
    expect(await stateSnapshot(target.env)).toEqual(before);
  });
  afterAll(async () => {
    await http?.close();
    await api?.close();
    await env?.close();
  });
  return target;
}
