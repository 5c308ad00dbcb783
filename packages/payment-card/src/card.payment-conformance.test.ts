// The payments conformance kit against the card module (fixture: card-conformance.test-util.ts).
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { createCardFixture } from './card-conformance.test-util.js';

describePaymentModuleConformance('payment-card', createCardFixture, { stepTimeoutMs: 4_000 });
