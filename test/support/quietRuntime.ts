// Keep test output readable: Temporal's worker logs at WARN and above only.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process (a second setup call): nothing to do.
}
