import type { Direction } from './record-encoding.js';
import type { ArchiveIssue } from './issues.js';

/**
 * What an evidence archive publishes, on its own `events$` and on the party's event bus (if it has
 * one): a record appended, a checkpoint made, a checkpoint that could not be made, a verification that
 * failed. Events carry hashes and positions, never record content.
 *
 * @example
 * ```ts
 * import type { ArchiveEvent } from '@semper/archive';
 * function log(e: ArchiveEvent): string {
 *   switch (e.type) {
 *     case 'archive.record-appended':
 *       return `${e.archive}#${e.seq} ${e.direction} ${e.step} of ${e.dealId}`;
 *     case 'archive.checkpoint-made':
 *       return `${e.archive}: checkpoint at ${e.seq}`;
 *     case 'archive.checkpoint-failed':
 *       return `${e.archive}: no checkpoint at ${e.seq}: ${e.code}`;
 *     case 'archive.verification-failed':
 *       return `${e.archive}: ${e.issues.length} issue(s), first: ${e.issues[0]?.message}`;
 *   }
 * }
 * ```
 */
export type ArchiveEvent =
  | {
      readonly type: 'archive.record-appended';
      readonly at: Date;
      readonly archive: string;
      readonly seq: number;
      readonly dealId: string;
      readonly step: string;
      readonly direction: Direction;
      readonly contentDigest: string;
      readonly hash: string;
    }
  | {
      readonly type: 'archive.checkpoint-made';
      readonly at: Date;
      readonly archive: string;
      readonly seq: number;
      readonly headHash: string;
    }
  | {
      readonly type: 'archive.checkpoint-failed';
      readonly at: Date;
      readonly archive: string;
      readonly seq: number;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly type: 'archive.verification-failed';
      readonly at: Date;
      readonly archive: string;
      /** What was verified: the archive's database, or a bundle (then `dealId` is set). */
      readonly source: 'archive' | 'bundle';
      readonly dealId?: string;
      readonly issues: readonly ArchiveIssue[];
    };

/**
 * The `type`s of {@link ArchiveEvent}.
 *
 * @example
 * ```ts
 * import type { ArchiveEventType } from '@semper/archive';
 * const watched: ArchiveEventType[] = ['archive.verification-failed'];
 * ```
 */
export type ArchiveEventType = ArchiveEvent['type'];
