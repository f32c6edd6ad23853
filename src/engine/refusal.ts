/**
 * A refusal: the engine met a shape it cannot convert with confidence. The file stays untouched and
 * the user is told why, where, and what to do instead. Rules throw it; the engine catches it.
 */
import type { Node } from '../c/parse';

export class Refusal extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line of the construct that caused it. */
    readonly line?: number,
    /** The transform or analysis step that refused. */
    public rule?: string,
  ) {
    super(reason);
  }
}

export function refuse(reason: string, at?: Node | null): never {
  throw new Refusal(reason, at ? at.startPosition.row + 1 : undefined);
}
