import { describePaymentModuleConformance } from '@semper/payments/testing';
import { simConformanceFactory } from './sim.conformance.test-util.js';

describePaymentModuleConformance('payment-sim', simConformanceFactory('bank'));
