import type { ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { CouponRow, Database } from '@coupon/db';
import type { IssuanceStore } from '@coupon/issuance';
import { listOpenCoupons } from './coupon.repository';
import { toCouponResponse } from './coupon.view';

// API.md lets the list's stock figures be up to 1 s old
const STOCK_MAX_AGE_MS = 1000;

interface Snapshot<T> {
  version: string;
  at: number;
  value: T;
}

/**
 * GET /v1/coupons without PostgreSQL and without rebuilding the answer: the open coupons'
 * definitions are cached per process and checked on every request against the Redis
 * counter every create, update and delete bumps (so a change shows in every process as
 * soon as its call has answered); stock comes from a snapshot at most 1 s old, refreshed in
 * one round trip; the JSON bytes are reused while neither moved. A request that cannot
 * read the counter falls back to PostgreSQL.
 */
export class CouponList {
  private definitions: Promise<Snapshot<CouponRow[]>> | null = null;
  private stock: Promise<Snapshot<Map<number, number | null>>> | null = null;
  private body: { key: string; bytes: Buffer } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: IssuanceStore,
  ) {}

  async render(): Promise<Buffer> {
    const version = await this.store.catalogVersion().catch(() => null);
    if (version === null) return this.serialize(await listOpenCoupons(this.db), new Map());
    const now = Date.now();
    const rows = (await this.definitionsAt(version)).filter((row) => row.end_date.getTime() > now);
    const stock = await this.stockAt(version, rows, now);
    const key = `${version}/${stock.at}/${rows.length}`;
    if (this.body?.key !== key) this.body = { key, bytes: this.serialize(rows, stock.value) };
    return this.body.bytes;
  }

  private async definitionsAt(version: string): Promise<CouponRow[]> {
    const cached = this.definitions && (await this.definitions.catch(() => null));
    if (cached?.version === version) return cached.value;
    // requests arriving meanwhile share this load
    const load = listOpenCoupons(this.db).then((value) => ({ version, at: Date.now(), value }));
    this.definitions = load;
    load.catch(() => { if (this.definitions === load) this.definitions = null; });
    return (await load).value;
  }

  private async stockAt(version: string, rows: CouponRow[], now: number): Promise<Snapshot<Map<number, number | null>>> {
    const cached = this.stock && (await this.stock.catch(() => null));
    if (cached && cached.version === version && now - cached.at < STOCK_MAX_AGE_MS) return cached;
    const refresh = this.store
      .acceptedCounts(rows.map((row) => row.id))
      .catch(() => new Map<number, number | null>())
      .then((value) => ({ version, at: now, value }));
    this.stock = refresh;
    return refresh;
  }

  private serialize(rows: CouponRow[], accepted: Map<number, number | null>): Buffer {
    const coupons = rows.map((row) => toCouponResponse(row, accepted.get(row.id) ?? row.issued_count));
    return Buffer.from(JSON.stringify({ coupons }));
  }
}

/** GET /v1/coupons's answer, the same bytes whichever way the request came. */
export async function sendCouponList(list: CouponList, res: ServerResponse): Promise<void> {
  const body = await list.render();
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

export function createCouponList(db: Kysely<Database>, store: IssuanceStore): CouponList {
  return new CouponList(db, store);
}
