import { createPartyContainer } from '@semper/core';
import { PAYMENT_MODULE } from '@semper/payments/spi';
import { describe, expect, it } from 'vitest';
import { CardPaymentModule } from './card.payment-module.js';
import { createCardPki } from './card-pki.js';
import { register } from './container.js';
import { CARD_PAYMENT_MODULE } from './tokens.js';

describe('register', () => {
  it('registers the module under its token and PAYMENT_MODULE; nothing at import time', async () => {
    const pki = await createCardPki();
    const container = createPartyContainer();
    expect(container.isRegistered(CARD_PAYMENT_MODULE, true)).toBe(false);
    register(container, { module: { trust: { merchants: pki.trust, gateways: pki.trust } } });
    const module = container.resolve<CardPaymentModule>(CARD_PAYMENT_MODULE);
    expect(module).toBeInstanceOf(CardPaymentModule);
    expect(container.resolveAll(PAYMENT_MODULE)).toContain(module);
    expect(module.payment).toMatchObject({ model: 'cheque-like', twoPhase: true, refunds: 'partial' });
    expect(() => register(container, {} as never)).toThrow(/module options/);
  });
});
