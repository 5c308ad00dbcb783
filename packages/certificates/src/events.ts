/**
 * The events the certificates block publishes on the party's event bus, after the change they report is
 * committed. They carry ids, names and serial numbers — never keys or enrolment secrets.
 *
 * @packageDocumentation
 */
import type { EventBus, EventInput, SemperEvent } from '@semper/core';
import type { CertificateProfileName } from './profiles.js';
import type { RevocationReason } from './crl.js';

/**
 * An event of the certificates block.
 *
 * @example
 * ```ts
 * import type { CertificatesEvent } from '@semper/certificates';
 * import { EventBus, SystemClock } from '@semper/core';
 * const bus = new EventBus<CertificatesEvent>(new SystemClock());
 * bus.ofType('certificates.issued').subscribe((e) => console.log(e.serialNumber, e.subject));
 * ```
 */
export type CertificatesEvent =
  | {
      readonly type: 'certificates.ca-created';
      readonly at: Date;
      readonly moduleId: string;
      readonly caId: string;
      readonly subject: string;
      readonly parentCaId?: string;
    }
  | {
      readonly type: 'certificates.issued';
      readonly at: Date;
      readonly moduleId: string;
      readonly caId: string;
      readonly serialNumber: string;
      readonly subject: string;
      readonly profile: CertificateProfileName;
      readonly registrationId?: string;
    }
  | {
      readonly type: 'certificates.revoked';
      readonly at: Date;
      readonly moduleId: string;
      readonly caId: string;
      readonly serialNumber: string;
      readonly reason: RevocationReason;
    }
  | {
      readonly type: 'certificates.hold-released';
      readonly at: Date;
      readonly moduleId: string;
      readonly caId: string;
      readonly serialNumber: string;
    }
  | {
      readonly type: 'certificates.crl-issued';
      readonly at: Date;
      readonly moduleId: string;
      readonly caId: string;
      readonly crlNumber: bigint;
    }
  | {
      readonly type: 'certificates.registered';
      readonly at: Date;
      readonly registrationId: string;
      readonly subject: string;
      readonly profile: CertificateProfileName;
      readonly registeredBy: string;
    }
  | {
      readonly type: 'certificates.enrolled';
      readonly at: Date;
      readonly registrationId: string;
      readonly moduleId: string;
      readonly caId: string;
      readonly serialNumber: string;
    }
  | {
      readonly type: 'certificates.enrolment-refused';
      readonly at: Date;
      readonly registrationId: string;
      readonly code: string;
    }
  | {
      readonly type: 'certificates.external-registered';
      readonly at: Date;
      readonly id: string;
      readonly party: string;
      readonly subject: string;
      readonly fingerprint: string;
      readonly registeredBy: string;
    };

/**
 * Where the block publishes: any `EventBus` (the party's, under `EVENT_BUS`).
 *
 * @example
 * ```ts
 * import type { CertificatesEventSink } from '@semper/certificates';
 * import { EventBus, SystemClock } from '@semper/core';
 * const sink: CertificatesEventSink = new EventBus(new SystemClock());
 * ```
 */
export type CertificatesEventSink = Pick<EventBus<SemperEvent>, 'emit'> | Pick<EventBus<CertificatesEvent>, 'emit'>;

/**
 * Publishes `event` on `sink`, if there is one. A failing bus (completed) never breaks the operation
 * whose result is already committed.
 *
 * @internal
 */
export function publish(sink: CertificatesEventSink | undefined, event: EventInput<CertificatesEvent>): void {
  if (sink === undefined) return;
  try {
    (sink as Pick<EventBus<CertificatesEvent>, 'emit'>).emit(event);
  } catch {
    // the change is committed; a closed bus only loses the notification
  }
}
