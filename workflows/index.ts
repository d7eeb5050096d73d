// The workflow bundle's entry point: every workflow type the worker registers.
export { repairRequest } from './repair-request';
export { serviceRequest } from './service-request';
