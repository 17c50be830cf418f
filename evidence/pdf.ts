// The evidence pack's single PDF (pdfkit), in the order councils read a referral: the cover and
// referral form, the chronology, the register certificate, the plans, contracts and support, and the
// sign-off. Each letter goes into the pack separately, exactly as it was sent (its stored PDF).
import PDFDocument from 'pdfkit';
import { formatLongDate, formatMeetingTime } from '../letters/format';
import type { Evidence } from './gather';

const MARGIN = 50;

export interface SignOff {
  /** The manager who approved the pack, and when; absent for a draft. */
  approvedBy?: { name: string; at: string };
  generatedBy: string;
  generatedAt: string;
}

export function renderEvidencePdf(e: Evidence, signOff: SignOff): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      info: { Title: `Evidence for a referral: ${e.pupil.name}`, Author: e.school.name },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const width = doc.page.width - MARGIN * 2;
    const h1 = (t: string) => doc.font('Helvetica-Bold').fontSize(16).text(t, { width }).moveDown(0.5);
    const h2 = (t: string) => doc.font('Helvetica-Bold').fontSize(12).text(t, { width }).moveDown(0.3);
    const p = (t: string) => doc.font('Helvetica').fontSize(10).text(t, { width, lineGap: 1 });
    const field = (label: string, value: string) => {
      doc.font('Helvetica-Bold').fontSize(10).text(`${label}: `, { continued: true, width });
      doc.font('Helvetica').text(value || 'not recorded');
    };

    // 1. Cover and referral form
    h1(`Referral to ${e.school.localAuthority ?? 'the local authority'}: school attendance`);
    field('School', `${e.school.name} (${e.school.id})`);
    field('Pupil', e.pupil.name);
    field('UPN', e.pupil.upn);
    field('Date of birth', e.pupil.dateOfBirth ? formatLongDate(e.pupil.dateOfBirth) : '');
    field('Year group', e.pupil.yearGroup === null ? '' : String(e.pupil.yearGroup));
    field('On roll since', e.pupil.startDate ? formatLongDate(e.pupil.startDate) : 'the start of the year');
    field('Plans and other agencies', e.pupil.plans.join('; ') || 'none recorded');
    doc.moveDown(0.5);
    h2('People with parental responsibility');
    for (const parent of e.parents)
      p(
        `${parent.name}: ${[parent.email, parent.phone].filter(Boolean).join(', ') || 'no contact details held'}`,
      );
    if (e.parents.length === 0) p('None recorded on the roster.');
    doc.moveDown(0.5);
    h2('Reason for referral');
    field('Policy', e.case.policy);
    field('Stage', e.case.stageName ?? 'none');
    field('Case opened', formatLongDate(e.case.openedOn));
    for (const r of e.case.reasons) p(`- ${r}`);
    field(
      'Attendance this school year',
      `${e.register.figures.attendancePct ?? '-'}% (${formatLongDate(e.register.from)} to ${formatLongDate(e.register.to)})`,
    );

    // 2. Chronology
    doc.addPage();
    h1('Chronology');
    for (const c of e.chronology) p(`${formatLongDate(c.date)}: ${c.what}${c.who ? ` (${c.who})` : ''}`);
    doc.moveDown(0.5);
    h2('Letters sent (each is in the pack as it was sent)');
    for (const l of e.letters) {
      p(`${formatLongDate(l.sentOn)}: ${l.subject}`);
      for (const r of l.recipients) p(`    to ${r.name}, ${r.how}: ${r.delivery}`);
    }
    if (e.letters.length === 0) p('None.');
    doc.moveDown(0.5);
    h2('Meetings and home visits');
    for (const m of e.meetings)
      p(
        `${formatMeetingTime(new Date(m.startsAt))}: ${m.title}, ${m.location}, with ${m.staffName}: ${m.status}`,
      );
    if (e.meetings.length === 0) p('None.');

    // 3. Register certificate
    doc.addPage();
    h1('Register certificate');
    p(
      `Every session of ${e.pupil.name} (UPN ${e.pupil.upn}) from ${formatLongDate(e.register.from)} to ${formatLongDate(e.register.to)}, as recorded in the school's attendance register.`,
    );
    doc.moveDown(0.3);
    const f = e.register.figures;
    field('Possible sessions', String(f.possible));
    field('Sessions attended', String(f.present + f.approvedActivity));
    field('Authorised absence', String(f.authorised));
    field('Unauthorised absence', String(f.unauthorised));
    field('Attendance', f.attendancePct === null ? '-' : `${f.attendancePct}%`);
    doc.moveDown(0.5);
    doc.font('Courier').fontSize(8);
    const perLine = 5;
    for (let i = 0; i < e.register.days.length; i += perLine) {
      const line = e.register.days
        .slice(i, i + perLine)
        .map((d) => `${d.date} ${(d.am || '-').padEnd(2)} ${(d.pm || '-').padEnd(2)}`)
        .join('   ');
      doc.text(line, { width });
    }
    doc.moveDown(0.5);
    h2('Key to the codes');
    for (const k of e.register.key) p(`${k.code}  ${k.meaning}`);
    p('-  no mark');

    // 4. Plans, contracts and support
    doc.addPage();
    h1('Support offered: plans, contracts, visits and calls');
    for (const w of e.work)
      p(
        `${w.on ? formatLongDate(w.on) : 'undated'}: ${w.title}: ${w.outcome}${w.note ? `. ${w.note}` : ''}${w.who ? ` (${w.who})` : ''}`,
      );
    if (e.work.length === 0) p('No plan, contract, visit or call recorded as done.');
    doc.moveDown(0.5);
    h2('Penalty notices for this child, per parent');
    for (const n of e.penaltyNotices)
      p(
        `${n.parent}: ${n.which}. Requested ${formatLongDate(n.requestedOn)}; ` +
          `${n.issuedOn ? `issued ${formatLongDate(n.issuedOn)}` : 'not issued'}; now ${n.outcome} (${formatLongDate(n.outcomeOn)}).`,
      );
    if (e.penaltyNotices.length === 0) p('No penalty notice requested for this child.');

    // 5. Sign-off
    doc.addPage();
    h1('Sign-off');
    field('Pack generated', `${signOff.generatedAt} by ${signOff.generatedBy}`);
    if (signOff.approvedBy) {
      field('Approved for the referral by', signOff.approvedBy.name);
      field('Approved at', signOff.approvedBy.at);
    } else p('DRAFT: not yet approved by a manager. It is not sent to the council until it is.');
    doc.moveDown(2);
    p('Signed (head teacher): ______________________________   Date: ______________');
    doc.end();
  });
}
