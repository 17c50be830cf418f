// A rendered letter as an A4 PDF (pdfkit): the school's name as the letterhead, the date, the
// subject, "Dear ...", the body and the signature. The PDF is stored with the letter as evidence
// and attached to each email.
//
// A copy that goes by post carries its parent's name and address where a window envelope shows it
// (Royal Mail's guidance for DL and C5 window envelopes): a 90 x 40 mm window 20 mm from the left
// edge and 50 mm from the top of the page, the school's name (and address, when it has one) small at
// the top of the window as the return address, the recipient's name, address lines and postcode
// below it; the date sits to the right, outside the window, and the letter starts under it. Marks in
// the left margin show where to fold the page in three for a DL envelope (a C5 takes it folded once).
// The post batch (`renderPostBatchPdf`) draws every copy of the day's post with the same function,
// each starting on a new page.
//
// A copy GOV.UK Notify prints and posts (`layout: 'notify'`) follows Notify's letter specification
// instead, or Notify refuses it ("content outside the printable area"): on page 1 only the logo area,
// the address area (24.6 to 120 mm from the left, 39.5 to 66.3 mm from the top: Notify reads the
// recipient's address from it, name first, so nothing else is printed there), the sender's area on
// the right (from 125 mm) and the body (from 95 mm down) may carry anything; no fold marks (Notify
// folds and envelopes it).
import PDFDocument from 'pdfkit';
import { MAX_ADDRESS_LINES, type PostalAddress } from '../domain/postalAddress';
import { plainInline, type RenderedLetter } from './render';

export interface Letterhead {
  schoolName: string;
  /** Address lines under the name (optional). */
  address?: string[];
  /** The letter's date as printed ("14 March 2025"). */
  dateText: string;
  /** The letter's date as an instant, written into the PDF's metadata. */
  createdAt?: Date;
}

/** The parts of a letter the PDF is drawn from: exactly the words the officer approved. */
export type LetterParts = Pick<RenderedLetter, 'subject' | 'salutation' | 'blocks' | 'signOff' | 'signature'>;

/** Who a posted copy goes to: their name and postal address, from the roster. */
export interface PostalRecipient {
  name: string;
  address: PostalAddress;
}

const MARGIN = 56; // about 2 cm
const MM = 72 / 25.4;

/** Where the envelope's window is on the page, in PDF points from the top-left corner. */
export const ENVELOPE_WINDOW = {
  left: 20 * MM,
  top: 50 * MM,
  width: 90 * MM,
  height: 40 * MM,
} as const;
/** Clear space kept inside the window's edges, so the address never touches them. */
const WINDOW_INSET = 4 * MM;
const ADDRESS_SIZE = 10;
const ADDRESS_LEADING = 12;
const RETURN_SIZE = 7;
const FOLDS_MM = [99, 198];

/** GOV.UK Notify's printable areas on a letter's first page, in mm from the top-left corner. */
export const NOTIFY_AREAS_MM = {
  logo: { left: 15, right: 125, top: 5, bottom: 30 },
  address: { left: 24.6, right: 120, top: 39.5, bottom: 66.3 },
  sender: { left: 125, right: 195, top: 5, bottom: 95 },
  body: { left: 15, right: 195, top: 95, bottom: 292 },
} as const;

/** Where a posted copy's address goes: a window envelope the office fills, or GOV.UK Notify's. */
export type PostedLayout = 'window' | 'notify';

export function renderLetterPdf(
  letter: LetterParts,
  letterhead: Letterhead,
  options: { to?: PostalRecipient; layout?: PostedLayout } = {},
): Promise<Buffer> {
  return collect(
    new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      info: {
        Title: letter.subject,
        Author: letterhead.schoolName,
        ...(letterhead.createdAt ? { CreationDate: letterhead.createdAt } : {}),
      },
    }),
    (doc) => drawLetter(doc, letter, letterhead, options.to, options.layout ?? 'window'),
  );
}

export interface PostCopy {
  letter: LetterParts;
  letterhead: Letterhead;
  to: PostalRecipient;
}

/**
 * One PDF of many posted copies, each starting on a new page. With `duplex` (the default) a copy
 * with an odd number of pages is followed by a blank page, so on a printer that prints both sides
 * the next family's letter never starts on the back of this one.
 */
export async function renderPostBatchPdf(
  copies: readonly PostCopy[],
  options: { title: string; duplex?: boolean; createdAt?: Date },
): Promise<{ pdf: Buffer; pages: number; blankPages: number }> {
  const duplex = options.duplex ?? true;
  let pages = 0;
  let blankPages = 0;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    autoFirstPage: false,
    info: {
      Title: options.title,
      ...(options.createdAt ? { CreationDate: options.createdAt } : {}),
    },
  });
  doc.on('pageAdded', () => pages++);
  const pdf = await collect(doc, () => {
    for (const copy of copies) {
      const first = pages;
      doc.addPage();
      drawLetter(doc, copy.letter, copy.letterhead, copy.to);
      if (duplex && (pages - first) % 2 === 1) {
        doc.addPage();
        blankPages++;
      }
    }
    if (pages === 0) doc.addPage(); // a PDF has at least one page; the caller says there is no post
  });
  return { pdf, pages, blankPages };
}

function collect(doc: PDFKit.PDFDocument, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw(doc);
      doc.end();
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function drawLetter(
  doc: PDFKit.PDFDocument,
  letter: LetterParts,
  letterhead: Letterhead,
  to: PostalRecipient | undefined,
  layout: PostedLayout = 'window',
): void {
  const width = doc.page.width - MARGIN * 2;
  if (to && layout === 'notify') {
    drawForNotify(doc, letterhead, to, width);
    drawBody(doc, letter, width);
    return;
  }
  doc.font('Helvetica-Bold').fontSize(18).text(letterhead.schoolName, MARGIN, MARGIN, { width });
  if (letterhead.address?.length)
    doc.font('Helvetica').fontSize(10).text(letterhead.address.join('\n'), { width });
  const y = doc.y + 6;
  doc
    .moveTo(MARGIN, y)
    .lineTo(MARGIN + width, y)
    .lineWidth(0.5)
    .stroke();

  if (to) {
    drawAddressWindow(doc, letterhead, to);
    doc.font('Helvetica').fontSize(11);
    const dateWidth = doc.widthOfString(letterhead.dateText);
    doc.text(letterhead.dateText, MARGIN + width - dateWidth, ENVELOPE_WINDOW.top + 20, {
      lineBreak: false,
    });
    doc.x = MARGIN;
    doc.y = ENVELOPE_WINDOW.top + ENVELOPE_WINDOW.height + 20;
  } else {
    doc.moveDown(1.5);
    doc.font('Helvetica').fontSize(11).text(letterhead.dateText, { width, align: 'right' });
    doc.moveDown();
  }
  drawBody(doc, letter, width);
}

/** The subject, "Dear …", the approved paragraphs and lists, and the signature, from doc.y down. */
function drawBody(doc: PDFKit.PDFDocument, letter: LetterParts, width: number): void {
  doc.font('Helvetica-Bold').fontSize(11).text(letter.subject, { width });
  doc.moveDown();
  doc.font('Helvetica').text(letter.salutation, { width });
  doc.moveDown(0.8);
  for (const block of letter.blocks) {
    if (block.type === 'paragraph') {
      doc.text(plainInline(block.text), { width, align: 'left', lineGap: 2 });
    } else {
      doc.list(block.items.map(plainInline), { width, bulletRadius: 2, textIndent: 12, lineGap: 2 });
    }
    doc.moveDown(0.8);
  }
  doc.text(letter.signOff, { width });
  doc.moveDown(2);
  for (const line of letter.signature) doc.text(line, { width });
}

/**
 * Page 1 as GOV.UK Notify prints it: the school's name in the logo area, the recipient's name,
 * address and postcode alone in the address area (each line set smaller if it would not fit, never
 * cut), the date in the sender's area on the right, and the letter from 95 mm down.
 */
function drawForNotify(
  doc: PDFKit.PDFDocument,
  letterhead: Letterhead,
  to: PostalRecipient,
  width: number,
): void {
  const a = NOTIFY_AREAS_MM;
  doc.font('Helvetica-Bold');
  let size = 18;
  doc.fontSize(size);
  const logoWidth = (a.logo.right - a.logo.left - 1) * MM;
  while (size > 10 && doc.widthOfString(letterhead.schoolName) > logoWidth) doc.fontSize((size -= 1));
  doc.text(letterhead.schoolName, a.logo.left * MM + 5 * MM, 12 * MM, {
    width: logoWidth - 5 * MM,
    lineBreak: false,
  });

  const x = (a.address.left + 1) * MM;
  const room = (a.address.right - a.address.left - 2) * MM;
  const lines = [to.name, ...to.address.lines.slice(0, MAX_ADDRESS_LINES), to.address.postcode];
  const leading = Math.min(ADDRESS_LEADING, ((a.address.bottom - a.address.top - 2) * MM) / lines.length);
  let top = (a.address.top + 1) * MM;
  doc.font('Helvetica');
  for (const line of lines) {
    let s = Math.min(ADDRESS_SIZE, leading - 1);
    doc.fontSize(s);
    while (s > 6 && doc.widthOfString(line) > room) doc.fontSize((s -= 0.5));
    doc.text(line, x, top, { lineBreak: false, width: room });
    top += leading;
  }

  doc.fontSize(11);
  const dateWidth = doc.widthOfString(letterhead.dateText);
  doc.text(letterhead.dateText, MARGIN + width - dateWidth, 45 * MM, { lineBreak: false });
  doc.x = MARGIN;
  doc.y = (a.body.top + 3) * MM;
}

/**
 * The return address small at the top of the window, then the recipient's name, address and
 * postcode, each on its own line; a line too long for the window is set smaller, never cut.
 */
function drawAddressWindow(doc: PDFKit.PDFDocument, letterhead: Letterhead, to: PostalRecipient): void {
  const w = ENVELOPE_WINDOW;
  const x = w.left + WINDOW_INSET;
  const room = w.width - 2 * WINDOW_INSET;
  const fitted = (text: string, size: number, min: number) => {
    doc.fontSize(size);
    while (size > min && doc.widthOfString(text) > room) doc.fontSize((size -= 0.5));
    return size;
  };

  const returnLine = [letterhead.schoolName, ...(letterhead.address ?? [])].join(', ');
  doc.font('Helvetica');
  fitted(returnLine, RETURN_SIZE, 5);
  doc.text(returnLine, x, w.top + WINDOW_INSET, { lineBreak: false, width: room });

  const lines = [to.name, ...to.address.lines.slice(0, MAX_ADDRESS_LINES), to.address.postcode];
  let top = w.top + WINDOW_INSET + 14;
  for (const line of lines) {
    fitted(line, ADDRESS_SIZE, 7);
    doc.text(line, x, top, { lineBreak: false, width: room });
    top += ADDRESS_LEADING;
  }

  // Fold marks in the left margin: the thirds of the page, for a DL envelope.
  for (const at of FOLDS_MM) {
    doc
      .moveTo(0, at * MM)
      .lineTo(5 * MM, at * MM)
      .lineWidth(0.3)
      .stroke();
  }
}
