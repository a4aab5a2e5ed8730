// The reply codes of the Lua scripts, named once, beside the scripts whose headers document
// them. Only packages/issuance reads these; callers see the store's named outcomes.

/** reserve-5.lua */
export const ReserveReply = {
  Missing: 0,
  Accepted: 1,
  AlreadyIssued: 2,
  SoldOut: 3,
  NotStarted: 4,
  Ended: 5,
  Deleted: 6,
} as const;

/** mirror-coupon-1.lua */
export const MirrorReply = { Missing: 0, Written: 1, Stale: 2 } as const;

/** restore-coupon-2.lua */
export const RestoreReply = { AlreadyRestored: 0, Restored: 1 } as const;
