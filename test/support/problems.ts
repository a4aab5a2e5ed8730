// API.md "Errors": every refusal is an RFC 9457 problem whose type names its code.
export const PROBLEM_TYPE_BASE = 'https://coupon.dev/problems/';

export const problemType = (code: string) => `${PROBLEM_TYPE_BASE}${code}`;

/** An answer as supertest gives it (header names in lower case). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** The RFC 9457 body of a refusal, checked for its status, code, media type and members. */
export function expectProblem(res: Answer, status: number, code: string): Record<string, any> {
  expect({ status: res.status, code: res.body?.code, contentType: res.headers['content-type'] }).toEqual({
    status, code, contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(res.body).toMatchObject({ type: problemType(code), status, title: expect.any(String), detail: expect.any(String) });
  return res.body;
}
