import { useTestStack } from './stack';

// The typed stack: a field read before beforeAll ran says so, rather than being undefined.
const stack = useTestStack();

function messageOf(read: () => unknown): string {
  try {
    read();
    return 'no error';
  } catch (error) {
    return (error as Error).message;
  }
}

const readAtTopLevel = messageOf(() => stack.api);

it('throws a clear error for a field read before beforeAll ran, and serves it after', async () => {
  expect(readAtTopLevel).toBe("stack.api is read before useTestStack's beforeAll ran, or that beforeAll failed");
  expect((await stack.api.http.get('/healthz')).status).toBe(200);
  expect(stack.env.database.url).toMatch(/^postgres:/);
});

it('names the option a worker needs when the stack has none', () => {
  expect(messageOf(() => stack.worker)).toMatch(/useTestStack\(\{ worker: true \}\) starts one/);
});
