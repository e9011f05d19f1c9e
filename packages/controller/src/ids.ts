// Where new ids come from (tests hand in a predictable generator). A leaf: imports nothing from
// the app.
import { randomUUID } from 'node:crypto';

export interface IdGenerator {
  uuid(): string;
}

export const randomIds: IdGenerator = { uuid: () => randomUUID() };
