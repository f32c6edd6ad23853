/**
 * A refusal: the engine met a shape it cannot convert with confidence. The file stays untouched and
 * the user is told why, where, and what to do instead. Rules throw it; the engine catches it.
 */
import type { Node } from '../c/parse';

/** Where else a refusal concerns: the code the user must change, when it is not at `line` of this file. */
export interface RelatedLocation {
  /** Absolute path; absent: this file. */
  file?: string;
  line: number;
  message: string;
}

export class Refusal extends Error {
  /** The code the user must change, when it is elsewhere (a helper in a file beside this one). */
  related?: RelatedLocation[];

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

export function refuse(reason: string, at?: Node | null, related?: RelatedLocation[]): never {
  const r = new Refusal(reason, at ? at.startPosition.row + 1 : undefined);
  if (related?.length) r.related = related;
  throw r;
}
