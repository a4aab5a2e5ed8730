import { commonEnv, durabilityEnv, parseEnv, redisTarget } from '../src';

// The Redis topology is chosen by configuration; contradictory settings stop the process
// at start with a message naming the variables, instead of connecting somewhere unexpected.
const shape = { ...commonEnv, ...durabilityEnv };

it('standalone by default; Sentinel with REDIS_SENTINELS and a master name', () => {
  expect(redisTarget(parseEnv(shape, {}))).toMatchObject({ url: 'redis://127.0.0.1:6379', sentinels: undefined, clusterNodes: undefined });
  const config = parseEnv(shape, {
    REDIS_SENTINELS: 's1:26379, s2:26379,s3:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_SENTINEL_PASSWORD: 'pw', REDIS_URL: 'rediss://u:p@ignored:1/2',
  });
  expect(redisTarget(config)).toEqual({
    url: 'rediss://u:p@ignored:1/2', clusterNodes: undefined,
    sentinels: 's1:26379, s2:26379,s3:26379', sentinelMaster: 'mymaster', sentinelPassword: 'pw',
  });
});

it('refuses sentinels without a master name, a master name without sentinels, and sentinels with a cluster', () => {
  expect(() => parseEnv(shape, { REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS/);
  expect(() => parseEnv(shape, { REDIS_SENTINEL_MASTER: 'mymaster' })).toThrow(/REDIS_SENTINELS: required with REDIS_SENTINEL_MASTER/);
  expect(() => parseEnv(shape, { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'n1:7000' }))
    .toThrow(/REDIS_SENTINELS: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both/);
  // the same check guards a target built without parseEnv
  expect(() => redisTarget({ REDIS_URL: 'redis://h:1', REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINEL_MASTER/);
});

it('reports a topology problem together with the other problems of the environment', () => {
  const attempt = () => parseEnv(shape, { REDIS_SENTINELS: 's1:26379', LOG_LEVEL: 'loud', REDIS_WAIT_TIMEOUT_MS: '0' });
  expect(attempt).toThrow(/LOG_LEVEL/);
  expect(attempt).toThrow(/REDIS_WAIT_TIMEOUT_MS/);
  expect(attempt).toThrow(/REDIS_SENTINEL_MASTER/);
  expect(() => parseEnv(shape, { REDIS_SENTINELS: 'no-port' })).toThrow(/REDIS_SENTINELS: must be host:port/);
});

it('durability: local by default; replica with at least one replica and a WAIT timeout that is never 0', () => {
  expect(parseEnv(shape, {})).toMatchObject({ ISSUANCE_DURABILITY: 'local', REDIS_MIN_REPLICAS: 1, REDIS_WAIT_TIMEOUT_MS: 250 });
  expect(parseEnv(shape, { ISSUANCE_DURABILITY: 'replica', REDIS_MIN_REPLICAS: '2', REDIS_WAIT_TIMEOUT_MS: '100' }))
    .toMatchObject({ ISSUANCE_DURABILITY: 'replica', REDIS_MIN_REPLICAS: 2, REDIS_WAIT_TIMEOUT_MS: 100 });
  expect(() => parseEnv(shape, { ISSUANCE_DURABILITY: 'quorum' })).toThrow(/ISSUANCE_DURABILITY/);
  expect(() => parseEnv(shape, { REDIS_MIN_REPLICAS: '0' })).toThrow(/REDIS_MIN_REPLICAS/);
});
