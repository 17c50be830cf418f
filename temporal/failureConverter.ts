// Failures carry text too: an SMTP error names a parent's address, a validation error a pupil's
// figures. With `encodeCommonAttributes`, a failure's message and stack trace travel inside an
// encoded payload, so the payload codec (./encryptionCodec.ts) encrypts them like everything else;
// the history shows only "Encoded failure". Loaded by path (DataConverter.failureConverterPath) in
// the worker, its workflow bundle and every client.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
