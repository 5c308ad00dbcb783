// Example bodies of every built-in kind, valid and invalid, for the tests of this package.
import { Money } from '@semper/core';
import type { BuiltinKindName, BuiltinStatementInputs } from './kinds/builtin.js';
import type { InvalidExamples, ValidExamples } from './testing.js';

export const DIGEST_A = `sha-256:${'a1'.repeat(32)}` as const;
export const DIGEST_B = `sha-256:${'b2'.repeat(32)}` as const;
const ULID = '01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8';
export const ids = {
  offer: `offer_${ULID}`,
  order: `order_${ULID}`,
  cancel: `cancel_${ULID}`,
  pay: `pay_${ULID}`,
  rcpt: `rcpt_${ULID}`,
  ship: `ship_${ULID}`,
  contract: `contract_${ULID}`,
  lic: `lic_${ULID}`,
} as const;

const eur = (amount: string) => ({ amount, currency: 'EUR' as const });

export const merchant = {
  name: 'Librairie Étoile SARL',
  id: 'merchant-77',
  email: 'orders@etoile.example',
  taxId: 'FR40303265045',
  address: { lines: ['12 rue de la Paix'], postalCode: '75002', locality: 'Paris', country: 'FR' },
};
export const buyer = {
  name: 'Jürgen Groß',
  address: { lines: ['Hauptstraße 1', '2. OG'], postalCode: '10115', locality: 'Berlin', country: 'DE' },
};

const items = [
  {
    line: 1,
    sku: 'BOOK-0042',
    description: 'Le Petit Prince — édition illustrée',
    quantity: 2,
    unitPrice: eur('1250'),
    taxRate: '5.5',
    total: eur('2500'),
  },
  { line: 2, sku: 'BAG-01', description: 'Tote bag', quantity: 1, unit: 'C62', unitPrice: eur('0'), total: eur('0') },
];
const totals = { subtotal: eur('2500'), shipping: eur('490'), tax: eur('177'), taxIncluded: true, total: eur('2990') };

export const offer: BuiltinStatementInputs['offer'] = {
  offerId: ids.offer,
  merchant,
  buyer,
  items,
  totals,
  validFrom: '2030-01-01T10:00:00Z',
  validUntil: '2030-01-08T10:00:00Z',
  payment: { methods: ['payment-ecash', 'payment-card'], dueWithinDays: 0 },
  delivery: { method: 'physical', shipsWithinDays: 2, regions: ['FR', 'DE', 'BE'], incoterm: 'DAP' },
  cancellation: { untilConfirmed: true, withdrawalDays: 14 },
  terms: {
    title: 'Conditions générales de vente 2030',
    mediaType: 'application/pdf',
    url: 'https://etoile.example/cgv.pdf',
    digest: DIGEST_A,
  },
  note: 'Livraison offerte dès 50 €.\nMerci !',
};

export const order: BuiltinStatementInputs['order'] = {
  orderId: ids.order,
  offerId: ids.offer,
  offer: { kind: 'offer', digest: DIGEST_A },
  buyer,
  merchant,
  items,
  totals,
  paymentMethod: 'payment-ecash',
  shippingAddress: buyer.address,
};

export const orderConfirmation: BuiltinStatementInputs['order-confirmation'] = {
  orderId: ids.order,
  order: { kind: 'order', digest: DIGEST_B },
  merchant,
  buyer,
  total: eur('2990'),
  expectedDelivery: '2030-01-04T18:00:00Z',
};

export const cancellation: BuiltinStatementInputs['cancellation'] = {
  cancellationId: ids.cancel,
  cancels: { kind: 'order', digest: DIGEST_B },
  orderId: ids.order,
  by: buyer,
  counterparty: merchant,
  reason: 'buyer-request',
};

export const paymentConfirmation: BuiltinStatementInputs['payment-confirmation'] = {
  paymentId: ids.pay,
  orderId: ids.order,
  order: { kind: 'order', digest: DIGEST_B },
  payer: buyer,
  payee: merchant,
  amount: eur('2990'),
  method: 'payment-ecash',
  transaction: 'ecash-deposit-8812',
  paidAt: '2030-01-01T10:07:31Z',
};

export const shippingNote: BuiltinStatementInputs['shipping-note'] = {
  shipmentId: ids.ship,
  orderId: ids.order,
  order: { kind: 'order', digest: DIGEST_B },
  shipper: merchant,
  consignee: buyer,
  deliveryAddress: buyer.address,
  carrier: {
    name: 'La Poste Colissimo',
    trackingNumber: '6A12345678901',
    trackingUrl: 'https://track.example/6A12345678901',
  },
  items: [
    { line: 1, sku: 'BOOK-0042', quantity: 2 },
    { line: 2, quantity: 1 },
  ],
  packages: 1,
  weightGrams: 950,
  shippedAt: '2030-01-02T09:00:00Z',
  estimatedDelivery: '2030-01-04T18:00:00Z',
};

export const receipt: BuiltinStatementInputs['receipt'] = {
  receiptId: ids.rcpt,
  orderId: ids.order,
  issuer: buyer,
  from: merchant,
  acknowledges: [{ kind: 'shipping-note', digest: DIGEST_A }],
  goods: [
    { line: 1, quantity: 2 },
    { line: 2, quantity: 1 },
  ],
  receivedAt: '2030-01-04T11:20:00Z',
  note: 'Colis légèrement abîmé, contenu intact.',
};

export const contract: BuiltinStatementInputs['contract'] = {
  contractId: ids.contract,
  title: 'Contrat de distribution',
  parties: [
    { ...merchant, role: 'distributor' },
    { name: 'Éditions Exemple SA', role: 'publisher', email: 'legal@editions.example' },
  ],
  clauses: [
    { id: '1', heading: 'Objet', text: 'Le distributeur vend les ouvrages de l’éditeur en France.' },
    { id: '2.1', text: 'Remise : 35 % du prix public.\nPaiement à 30 jours.' },
  ],
  consideration: eur('1000000'),
  documents: [{ title: 'Annexe A — catalogue', mediaType: 'text/csv', digest: DIGEST_B }],
  governingLaw: 'FR',
  effectiveFrom: '2030-02-01T00:00:00Z',
  effectiveUntil: '2032-01-31T23:59:59Z',
};

export const licence: BuiltinStatementInputs['licence'] = {
  licenceId: ids.lic,
  licensor: { name: 'Exemple Logiciels SAS' },
  licensee: buyer,
  order: { kind: 'order', digest: DIGEST_B },
  product: { sku: 'EBOOK-READER-PRO', name: 'Lecteur Pro', version: '3' },
  grant: { scope: 'personal', devices: 3, transferable: false, sublicensable: false },
  validFrom: '2030-01-01T00:00:00Z',
  keyDigest: DIGEST_A,
};

/** Valid examples per kind: a full one, and smaller or special variants. */
export const validExamples: Record<BuiltinKindName, ValidExamples> = {
  offer: {
    'a full offer to one buyer': offer,
    'a public offer without optional parts': {
      offerId: ids.offer,
      merchant: { name: 'Shop' },
      items: [items[0]],
      totals: { subtotal: eur('2500'), total: eur('2500') },
      validUntil: '2030-01-08T10:00:00.500Z',
      payment: { methods: ['payment-card'] },
      delivery: { method: 'digital' },
      cancellation: { untilConfirmed: false },
    },
    'an offer in yen with a discount and tax on top': {
      offerId: ids.offer,
      merchant: { name: '東京書店' },
      items: [
        {
          line: 7,
          sku: 'MANGA-1',
          description: '漫画',
          quantity: 3,
          unitPrice: { amount: '500', currency: 'JPY' },
          total: { amount: '1500', currency: 'JPY' },
        },
      ],
      totals: {
        subtotal: { amount: '1500', currency: 'JPY' },
        discount: { amount: '100', currency: 'JPY' },
        tax: { amount: '140', currency: 'JPY' },
        total: { amount: '1540', currency: 'JPY' },
      },
      validUntil: '2030-01-08T10:00:00Z',
      payment: { methods: ['payment-card'] },
      delivery: { method: 'physical' },
      cancellation: { untilConfirmed: true },
    },
  },
  order: { 'an order of an offer': order },
  'order-confirmation': {
    'a confirmation': orderConfirmation,
    'a minimal confirmation': {
      orderId: ids.order,
      order: { kind: 'order', digest: DIGEST_B },
      merchant,
      buyer,
      total: eur('0'),
    },
  },
  cancellation: {
    'a cancellation by the buyer': cancellation,
    'a cancellation for another reason': {
      cancellationId: ids.cancel,
      cancels: { kind: 'offer', digest: DIGEST_A },
      by: merchant,
      reason: 'other',
      explanation: 'Stock détruit dans un incendie.',
    },
  },
  'payment-confirmation': {
    'a payment confirmed by the payee': paymentConfirmation,
    'a payment confirmed by a payment service': {
      ...paymentConfirmation,
      confirmedBy: { name: 'Exemple Paiements SA' },
      method: 'acme.card',
    },
  },
  'shipping-note': { 'a parcel': shippingNote },
  receipt: {
    'goods received': receipt,
    'digital content received': {
      receiptId: ids.rcpt,
      issuer: buyer,
      from: merchant,
      content: [{ title: 'le-petit-prince.epub', mediaType: 'application/epub+zip', digest: DIGEST_A }],
      receivedAt: '2030-01-01T10:09:00Z',
    },
    'a payment received': {
      receiptId: ids.rcpt,
      issuer: merchant,
      from: buyer,
      payment: eur('2990'),
      receivedAt: '2030-01-01T10:09:00Z',
    },
  },
  contract: { 'a distribution contract': contract },
  licence: {
    'a perpetual personal licence': licence,
    'a commercial licence for a time, in some countries': {
      ...licence,
      grant: { scope: 'commercial', seats: 25, territories: ['FR', 'BE'], transferable: true, sublicensable: false },
      validUntil: '2031-01-01T00:00:00Z',
    },
  },
};

/** Invalid examples per kind, with the path that must be reported. */
export const invalidExamples: Record<BuiltinKindName, InvalidExamples> = {
  offer: {
    'a line total that is not unit price × quantity': {
      body: {
        ...offer,
        items: [{ ...items[0], total: eur('2400') }, items[1]],
        totals: { ...totals, subtotal: eur('2400') },
      },
      path: 'items[0].total',
    },
    'a subtotal that is not the sum of the lines': {
      body: { ...offer, totals: { ...totals, subtotal: eur('2600'), total: eur('3090') } },
      path: 'totals.subtotal',
    },
    'a wrong total': { body: { ...offer, totals: { ...totals, total: eur('3000') } }, path: 'totals.total' },
    'lines in two currencies': {
      body: {
        ...offer,
        items: [
          items[0],
          { ...items[1], unitPrice: { amount: '0', currency: 'USD' }, total: { amount: '0', currency: 'USD' } },
        ],
      },
      path: 'items[1].unitPrice',
    },
    'a repeated line number': {
      body: { ...offer, items: [items[0], { ...items[1], line: 1 }] },
      path: 'items[1].line',
    },
    'validity that ends before it starts': {
      body: { ...offer, validUntil: '2029-12-31T00:00:00Z' },
      path: 'validUntil',
    },
    'a local time': { body: { ...offer, validUntil: '2030-01-08T11:00:00+01:00' }, path: 'validUntil' },
    'an amount as a float': {
      body: { ...offer, totals: { ...totals, total: { amount: 29.9, currency: 'EUR' } } },
      path: 'totals.total.amount',
    },
    'an amount in decimal notation': {
      body: { ...offer, totals: { ...totals, total: { amount: '29.90', currency: 'EUR' } } },
      path: 'totals.total.amount',
    },
    'an unknown currency': {
      body: { ...offer, totals: { ...totals, total: { amount: '2990', currency: 'XAU' } } },
      path: 'totals.total.currency',
    },
    'an order id for an offer id': { body: { ...offer, offerId: ids.order }, path: 'offerId' },
    'no line': { body: { ...offer, items: [] }, path: 'items' },
    'a zero quantity': {
      body: { ...offer, items: [{ ...items[0], quantity: 0 }, items[1]] },
      path: 'items[0].quantity',
    },
    'a right-to-left override in the merchant name': {
      body: { ...offer, merchant: { ...merchant, name: 'Librairie \u202Efdp.exe' } },
      path: 'merchant.name',
    },
    'a name not in NFC': {
      body: { ...offer, merchant: { ...merchant, name: 'Librairie E\u0301toile' } },
      path: 'merchant.name',
    },
    'an unknown member': { body: { ...offer, discountCode: 'SECRET-CODE-1234' }, path: 'discountCode' },
    'a repeated payment method': {
      body: { ...offer, payment: { methods: ['payment-card', 'payment-card'] } },
      path: 'payment.methods',
    },
    'terms over http': {
      body: { ...offer, terms: { title: 'CGV', url: 'http://etoile.example/cgv.pdf', digest: DIGEST_A } },
      path: 'terms.url',
    },
    'a digest in upper case': {
      body: { ...offer, terms: { title: 'CGV', digest: DIGEST_A.toUpperCase() } },
      path: 'terms.digest',
    },
  },
  order: {
    'a reference to an order as the offer': {
      body: { ...order, offer: { kind: 'order', digest: DIGEST_A } },
      path: 'offer.kind',
    },
    'no payment method': { body: { ...order, paymentMethod: undefined }, path: 'paymentMethod' },
    'a payment method that is not a module id': {
      body: { ...order, paymentMethod: 'Payment Card' },
      path: 'paymentMethod',
    },
    'a country in lower case': {
      body: { ...order, shippingAddress: { ...buyer.address, country: 'de' } },
      path: 'shippingAddress.country',
    },
    'five address lines': {
      body: { ...order, shippingAddress: { ...buyer.address, lines: ['a', 'b', 'c', 'd', 'e'] } },
      path: 'shippingAddress.lines',
    },
    'an email that is not one': {
      body: { ...order, buyer: { ...buyer, email: 'juergen-at-example' } },
      path: 'buyer.email',
    },
  },
  'order-confirmation': {
    'a negative total': { body: { ...orderConfirmation, total: eur('-2990') }, path: 'total' },
    'a total of minus zero': { body: { ...orderConfirmation, total: eur('-0') }, path: 'total.amount' },
    'no merchant': { body: { ...orderConfirmation, merchant: undefined }, path: 'merchant' },
  },
  cancellation: {
    "reason 'other' without an explanation": { body: { ...cancellation, reason: 'other' }, path: 'explanation' },
    'an unknown reason': { body: { ...cancellation, reason: 'changed-my-mind' }, path: 'reason' },
    'a cancellation of a receipt': {
      body: { ...cancellation, cancels: { kind: 'receipt', digest: DIGEST_A } },
      path: 'cancels.kind',
    },
  },
  'payment-confirmation': {
    'a payment of zero': { body: { ...paymentConfirmation, amount: eur('0') }, path: 'amount' },
    'a payment id of another kind': { body: { ...paymentConfirmation, paymentId: ids.order }, path: 'paymentId' },
    'a date without time': { body: { ...paymentConfirmation, paidAt: '2030-01-01' }, path: 'paidAt' },
  },
  'shipping-note': {
    'no items': { body: { ...shippingNote, items: [] }, path: 'items' },
    'a line shipped twice': {
      body: {
        ...shippingNote,
        items: [
          { line: 1, quantity: 1 },
          { line: 1, quantity: 1 },
        ],
      },
      path: 'items',
    },
    'delivery before shipping': {
      body: { ...shippingNote, estimatedDelivery: '2030-01-01T00:00:00Z' },
      path: 'estimatedDelivery',
    },
    'no package': { body: { ...shippingNote, packages: 0 }, path: 'packages' },
  },
  receipt: {
    'a receipt for nothing': {
      body: { receiptId: ids.rcpt, issuer: buyer, from: merchant, receivedAt: '2030-01-04T11:20:00Z' },
      path: '',
    },
    'a repeated line': {
      body: {
        ...receipt,
        goods: [
          { line: 1, quantity: 1 },
          { line: 1, quantity: 1 },
        ],
      },
      path: 'goods',
    },
    'a control character in the note': { body: { ...receipt, note: 'ok\u0007 beep' }, path: 'note' },
  },
  contract: {
    'a single party': { body: { ...contract, parties: [contract.parties[0]] }, path: 'parties' },
    'a party without a role': {
      body: { ...contract, parties: [merchant, contract.parties[1]] },
      path: 'parties[0].role',
    },
    'a repeated clause id': {
      body: { ...contract, clauses: [contract.clauses[0], { ...contract.clauses[1], id: '1' }] },
      path: 'clauses',
    },
    'an end before the start': {
      body: { ...contract, effectiveUntil: '2030-01-01T00:00:00Z' },
      path: 'effectiveUntil',
    },
  },
  licence: {
    'an unknown scope': { body: { ...licence, grant: { ...licence.grant, scope: 'unlimited' } }, path: 'grant.scope' },
    'the licence key itself': { body: { ...licence, key: 'AAAA-BBBB-CCCC-DDDD-SECRET' }, path: 'key' },
    'no transferability': {
      body: { ...licence, grant: { scope: 'personal', sublicensable: false } },
      path: 'grant.transferable',
    },
  },
};

/** A Money instance and a Date as input, for the input conveniences. */
export const offerWithMoneyAndDates: BuiltinStatementInputs['offer'] = {
  ...offer,
  totals: { ...totals, total: Money.parse('29.90', 'EUR') },
  validFrom: new Date('2030-01-01T10:00:00Z'),
};
