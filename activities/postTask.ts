// What the office's "print and post" task says: where the day's post is printed, each carer the
// letter goes to with the address from the roster, and for a carer with none, that it must be found
// first (a letter is never posted to a guessed address). Staff-facing text, never a family's.
import { addressOnOneLine, type PostalAddress } from '../domain/postalAddress';
import type { IsoDate } from '../domain/types';
import { formatLongDate } from '../letters/format';

export interface PostTaskRecipient {
  contactIndex: number;
  name: string;
  postal?: PostalAddress | null;
}

export function postTaskNotes(
  letterId: string,
  sentOn: IsoDate,
  toPost: readonly PostTaskRecipient[],
): string {
  const who = (r: PostTaskRecipient) => r.name || `Contact ${r.contactIndex + 1}`;
  const lines = toPost.map((r) =>
    r.postal
      ? `- ${who(r)}, ${addressOnOneLine(r.postal)}`
      : `- ${who(r)}: no postal address on the roster. Find it first (and add it in the MIS so the next letter carries it), then post the letter's PDF from the case in an addressed envelope; never guess an address.`,
  );
  const printable = toPost.some((r) => r.postal);
  return [
    printable
      ? `Print it with the day's post (Outbox, "Print today's post" for ${formatLongDate(sentOn)}), each copy addressed for a window envelope, and post it to:`
      : 'This letter is to go by post, but the roster has no address to send it to:',
    ...lines,
    'Record "Printed and posted" once it is in the post: printing it does not.',
    `(Letter ${letterId})`,
  ].join('\n');
}
