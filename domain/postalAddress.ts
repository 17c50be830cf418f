// A parent's postal address, as the roster gives it and a window envelope shows it: the lines of
// the address (house and street, locality, town) and a UK postcode on its own line. Letters that go
// by post print it in the envelope window (letters/pdf.ts); a carer with no address is never sent a
// guessed one: the office is told to find it.

export interface PostalAddress {
  /** The address without the postcode: house and street, locality, town (1 to 5 lines). */
  lines: string[];
  /** A UK postcode, upper case with one space before the last three characters ("NS1 4AB"). */
  postcode: string;
}

/** The most address lines (the postcode not counted) the envelope window holds with the name. */
export const MAX_ADDRESS_LINES = 5;
/** The longest line the 90 mm window shows in the letter's 10-point type. */
export const MAX_ADDRESS_LINE_LENGTH = 50;

// Royal Mail's formats: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA. The inward code's
// letters never include C, I, K, M, O or V. GIR 0AA is Girobank's, still valid.
const POSTCODE_RE = /^(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) ?[0-9][ABD-HJLNP-UW-Z]{2}$/;

/** The postcode written the standard way ("ns1 4ab" -> "NS1 4AB"), or null when it is not one. */
export function normalisePostcode(raw: string): string | null {
  const s = raw.trim().toUpperCase().replace(/\s+/g, '');
  if (!POSTCODE_RE.test(s)) return null;
  return `${s.slice(0, -3)} ${s.slice(-3)}`;
}

/**
 * The lines of an address written in one field: separated by `|` or by new lines (a quoted CSV
 * field may hold them), each trimmed, empty ones dropped, a trailing comma taken off.
 */
export function addressLines(raw: string): string[] {
  return raw
    .split(/\r?\n|\|/)
    .map((l) => l.trim().replace(/,$/, '').trim())
    .filter((l) => l !== '');
}

/** "12 Acacia Row, Little Marston, Northshire NS1 4AB": one line, for staff screens and notes. */
export function addressOnOneLine(a: PostalAddress): string {
  return `${a.lines.join(', ')} ${a.postcode}`;
}
