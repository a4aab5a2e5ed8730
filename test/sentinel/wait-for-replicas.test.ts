import { Redis } from 'ioredis';
import { waitForReplicas } from '@coupon/runtime';
import { createPrivateReplication, type PrivateReplication } from '../support/private-sentinel';

// waitForReplicas() against a private primary and replica: what a 202 in `replica`
// durability rests on (DESIGN.md invariant 7).
let replication: PrivateReplication;
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(replication.primary.url);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  replication = await createPrivateReplication();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  replication.replica.resume();
  await replication?.destroy();
});

it('a replica that keeps up acknowledges the write', async () => {
  const a = client();
  await a.set('up', '1');
  expect(await waitForReplicas(a, 1, 2000)).toEqual({ acknowledged: 1, ok: true });
});

it('a frozen replica: not ok once the timeout has passed; ok again once it resumes', async () => {
  const a = client();
  replication.replica.pause();
  try {
    await a.set('frozen', '1');
    expect(await waitForReplicas(a, 1, 200)).toEqual({ acknowledged: 0, ok: false });
  } finally {
    replication.replica.resume();
  }
  expect(await waitForReplicas(a, 1, 5000)).toEqual({ acknowledged: 1, ok: true });
});

it("WAIT on connection A after A's write also covers a write made earlier on connection B", async () => {
  const [a, b] = [client(), client()];
  const replica = new Redis(replication.replica.url);
  clients.push(replica);
  replication.replica.pause();
  try {
    await b.set('written-by-b', 'b');
    await a.set('written-by-a', 'a');
    expect((await waitForReplicas(a, 1, 200)).ok).toBe(false);
  } finally {
    replication.replica.resume();
  }
  expect((await waitForReplicas(a, 1, 5000)).ok).toBe(true);
  // read at once, not eventually: the acknowledgement of A's offset already implies B's key
  expect(await replica.mget('written-by-b', 'written-by-a')).toEqual(['b', 'a']);
});

it('refuses a timeout of 0, which WAIT would take as "block until the replicas answer"', async () => {
  await expect(waitForReplicas(client(), 1, 0)).rejects.toThrow(/timeoutMs/);
});
