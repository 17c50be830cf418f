// Every workflow the worker runs. The worker bundles this file; keep it free of side effects.
export { timerProbe } from './timerProbe';
export { attendanceCase } from './attendanceCase';
export { schoolSweep } from './schoolSweep';
export { misSync } from './misSync';
export { deliveryCheck } from './deliveryCheck';
