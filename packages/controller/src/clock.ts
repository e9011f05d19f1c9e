// The clock every service reads "now" from (tests hand in a fake one). A leaf: imports nothing
// from the app.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
