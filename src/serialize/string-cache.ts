// The JSON of captured strings seen lately, looked up by content. A string is immutable, so
// what the snapshot writes for it (capped, sanitised, scanned for credentials, escaped)
// depends on the snapshotter's options alone: a string captured again costs one comparison
// instead of the escape test and the credential scan. Agents capture the same strings over
// and over: a system prompt on every model call, a conversation re-sent at every step, the
// documents a retrieval step returns passed on to ranking and generation.

/** Shorter strings are cheap to write and too often unique (ids, numbers as text) to be worth a slot. */
export const CACHED_MIN_LENGTH = 8;
/** Longer strings are not kept: the cache must not hold large texts alive. */
export const CACHED_MAX_LENGTH = 4_096;
const SLOTS = 512;
/** Strings kept in the Map of clashes at most. */
const MAX_CLASHES = 256;
/**
 * Characters the table may hold alive, strings and their JSON together (about 256 KB to
 * 1 MB of heap): without a bound, 512 slots of long escaped texts would keep several MB.
 */
export const CACHED_CHARS = 256 * 1_024;
const FNV_PRIME = 0x01000193;
/** Characters read at each end of a string, and at most as many spread between them. */
const EDGE = 16;

/**
 * A direct-mapped table: a string's slot comes from its length and some of its characters,
 * and holds the last string written there. A Map keyed by the string hashes every character
 * of every string it is asked about and made capturing strings never seen again about 1.5x
 * as costly; here a miss costs at most 48 character reads and a store.
 *
 * Strings from one template that differ only where the slot does not look (`Answer to
 * "<question>" …` padded to one length) would take turns in one slot and never be found.
 * So a string whose slot holds another of the same length is looked up in a Map instead:
 * V8 hashes all of its characters natively (and keeps the hash on the string), which is
 * paid only on such a clash, and is less than the escape test and credential scan of a miss.
 */
export class StringJsonCache {
  private readonly keys: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly values: string[] = new Array<string>(SLOTS).fill('');
  /** Strings that clashed in their slot with another of the same length, and their JSON. */
  private readonly clashes = new Map<string, string>();
  /** Characters the clashes hold (counted in `chars` too). */
  private clashChars = 0;
  /** Characters held, counted as in {@link held}. */
  private chars = 0;

  /** The JSON cached for `value` (CACHED_MIN_LENGTH to CACHED_MAX_LENGTH characters), else `write(value)`, which is then cached if it fits. */
  json(value: string, write: (value: string) => string): string {
    const slot = slotOf(value);
    const old = this.keys[slot];
    if (old === value) return this.values[slot] as string;
    if (old !== undefined && old.length === value.length) return this.clash(value, write);
    const json = write(value);
    const chars = this.chars - (old === undefined ? 0 : held(old, this.values[slot] as string)) + held(value, json);
    if (chars <= CACHED_CHARS) {
      this.keys[slot] = value;
      this.values[slot] = json;
      this.chars = chars;
    }
    return json;
  }

  private clash(value: string, write: (value: string) => string): string {
    const found = this.clashes.get(value);
    if (found !== undefined) return found;
    const json = write(value);
    const size = held(value, json);
    if (this.clashes.size >= MAX_CLASHES || this.chars + size > CACHED_CHARS) {
      // Full: start again rather than track which clash is oldest.
      this.chars -= this.clashChars;
      this.clashChars = 0;
      this.clashes.clear();
    }
    if (this.chars + size <= CACHED_CHARS) {
      this.clashes.set(value, json);
      this.clashChars += size;
      this.chars += size;
    }
    return json;
  }

  /** Characters held now (strings and their JSON), at most CACHED_CHARS. */
  get size(): number {
    return this.chars;
  }
}

/** What an entry keeps alive: the string, and its JSON when that is a copy (escaped) rather than the string in quotes. */
function held(value: string, json: string): number {
  return json.length === value.length + 2 ? value.length : value.length + json.length;
}

/**
 * A slot from the length, the first and last 16 characters and 16 spread between them: the
 * parts where strings made from one template (padded texts, numbered titles, prompts with a
 * variable at either end) differ. Strings differing only elsewhere share a slot and take turns.
 */
function slotOf(value: string): number {
  const length = value.length;
  let hash = Math.imul(length, 0x9e3779b1);
  const head = Math.min(EDGE, length);
  for (let i = 0; i < head; i++) hash = Math.imul(hash ^ value.charCodeAt(i), FNV_PRIME);
  for (let i = Math.max(head, length - EDGE); i < length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), FNV_PRIME);
  if (length > 2 * EDGE) {
    const step = Math.floor((length - 2 * EDGE) / EDGE) + 1;
    for (let i = EDGE + (step >> 1); i < length - EDGE; i += step) hash = Math.imul(hash ^ value.charCodeAt(i), FNV_PRIME);
  }
  return (hash ^ (hash >>> 16)) & (SLOTS - 1);
}
