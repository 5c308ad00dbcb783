/**
 * What a verification found wrong, in the database (`EvidenceArchive.verify`) or in a bundle
 * (`verifyBundle`). Each issue is located: the record (`seq`) or the checkpoint (`checkpointSeq`).
 *
 * - `altered`: the record's content (`part: 'content'`: its bytes no longer match their digest) or its
 *   fields (`part: 'record'`: they no longer hash to the record's hash, or, for `part: 'rewritten'`, the
 *   record is self-consistent but its hash is not the one its successor committed to — it was replaced).
 * - `removed`: records `seq`…`through` are missing from the middle of the chain.
 * - `reordered`: the record at position `seq` was written at position `originalSeq` (sequence numbers
 *   swapped or moved).
 * - `truncated`: records `seq`…`through` are missing at the end: the archive's head or a signed
 *   checkpoint (`evidence`) proves they existed.
 * - `head-mismatch`: the archive's head row does not describe its last record (rows written around the
 *   archive, or the head row changed).
 * - `checkpoint-invalid`: a checkpoint's signature or signer does not verify, or its content is not what
 *   its row or manifest says (`code` is the crypto or archive error code).
 * - `checkpoint-mismatch`: a valid checkpoint signs another hash for record `checkpointSeq` than the chain
 *   has: the chain was rewritten (and re-hashed) somewhere in `from`…`checkpointSeq`.
 * - `not-covered` (bundles): record `seq` is not covered by a valid signed checkpoint in the bundle.
 * - `statement-invalid` (bundles): record `seq` is a CMS signed statement whose signature does not verify.
 * - `malformed` (bundle files): the bytes are not a readable bundle (`code` says why).
 *
 * @example
 * ```ts
 * import type { ArchiveIssue } from '@semper/archive';
 * function where(issue: ArchiveIssue): string {
 *   if ('seq' in issue) return `record ${issue.seq}`;
 *   if ('checkpointSeq' in issue) return `checkpoint ${issue.checkpointSeq}`;
 *   return 'bundle';
 * }
 * ```
 */
export type ArchiveIssue =
  | {
      readonly kind: 'altered';
      readonly seq: number;
      readonly part: 'content' | 'record' | 'rewritten';
      readonly message: string;
    }
  | { readonly kind: 'removed'; readonly seq: number; readonly through: number; readonly message: string }
  | { readonly kind: 'reordered'; readonly seq: number; readonly originalSeq: number; readonly message: string }
  | {
      readonly kind: 'truncated';
      readonly seq: number;
      readonly through: number;
      readonly evidence: 'head' | 'checkpoint';
      readonly message: string;
    }
  | { readonly kind: 'head-mismatch'; readonly seq: number; readonly message: string }
  | {
      readonly kind: 'checkpoint-invalid';
      readonly checkpointSeq: number;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: 'checkpoint-mismatch';
      readonly checkpointSeq: number;
      readonly from: number;
      readonly message: string;
    }
  | { readonly kind: 'not-covered'; readonly seq: number; readonly message: string }
  | { readonly kind: 'statement-invalid'; readonly seq: number; readonly code: string; readonly message: string }
  | { readonly kind: 'malformed'; readonly code: string; readonly message: string };

/**
 * The kinds of {@link ArchiveIssue}.
 *
 * @example
 * ```ts
 * import type { ArchiveIssueKind } from '@semper/archive';
 * const tamperKinds: ArchiveIssueKind[] = ['altered', 'removed', 'reordered', 'truncated'];
 * ```
 */
export type ArchiveIssueKind = ArchiveIssue['kind'];

const RECORD_KINDS: ReadonlySet<string> = new Set(['altered', 'removed', 'reordered', 'truncated', 'not-covered']);

/**
 * Orders issues: those located at a record first, in chain order (ties: a tampering before its
 * consequences), then checkpoint issues by checkpoint, then the rest. The first is "the first problem".
 *
 * @internal
 */
export function sortIssues(issues: ArchiveIssue[]): ArchiveIssue[] {
  const rank = (i: ArchiveIssue): [number, number] => {
    if (RECORD_KINDS.has(i.kind) && 'seq' in i) return [0, i.seq];
    if ('seq' in i) return [1, i.seq];
    if ('checkpointSeq' in i) return [2, i.checkpointSeq];
    return [3, 0];
  };
  return issues
    .map((issue, index) => ({ issue, index, rank: rank(issue) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map((x) => x.issue);
}
