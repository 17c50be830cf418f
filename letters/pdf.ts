// A rendered letter as an A4 PDF (pdfkit): the school's name as the letterhead, the date, the
// subject, "Dear ...", the body and the signature. The PDF is stored with the letter as evidence
// and attached to each email.
import PDFDocument from 'pdfkit';
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

const MARGIN = 56; // about 2 cm

export function renderLetterPdf(letter: RenderedLetter, letterhead: Letterhead): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      info: {
        Title: letter.subject,
        Author: letterhead.schoolName,
        ...(letterhead.createdAt ? { CreationDate: letterhead.createdAt } : {}),
      },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);

    const width = doc.page.width - MARGIN * 2;
    doc.font('Helvetica-Bold').fontSize(18).text(letterhead.schoolName, { width });
    if (letterhead.address?.length)
      doc.font('Helvetica').fontSize(10).text(letterhead.address.join('\n'), { width });
    const y = doc.y + 6;
    doc
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + width, y)
      .lineWidth(0.5)
      .stroke();
    doc.moveDown(1.5);

    doc.font('Helvetica').fontSize(11).text(letterhead.dateText, { width, align: 'right' });
    doc.moveDown();
    doc.font('Helvetica-Bold').text(letter.subject, { width });
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
    doc.end();
  });
}
