/**
 * `@semper/access/testing`: the conformance suite of access repositories, a vitest suite parameterised
 * by a factory (like jose's `tap/` suites). `MemoryAccessRepository` and `StoreAccessRepository` (on
 * PGlite, and on a PostgreSQL server in the `services` project) pass it; so must any other
 * `AccessRepository`.
 *
 * ```ts
 * import { MemoryAccessRepository } from '@semper/access';
 * import { describeAccessRepositorySuite } from '@semper/access/testing';
 * describeAccessRepositorySuite('memory', () => new MemoryAccessRepository());
 * ```
 *
 * @packageDocumentation
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { defineRole } from './model.js';
import type { AccessRepository, StatusChange } from './repository.js';

/**
 * Runs the access repository conformance suite. `factory` gives an empty repository for each test
 * (a new one, or the same one emptied).
 *
 * @example
 * ```ts
 * import { MemoryAccessRepository } from '@semper/access';
 * import { describeAccessRepositorySuite } from '@semper/access/testing';
 * describeAccessRepositorySuite('memory', () => new MemoryAccessRepository());
 * ```
 */
export function describeAccessRepositorySuite(
  name: string,
  factory: () => AccessRepository | Promise<AccessRepository>,
): void {
  const at = new Date('2030-01-01T10:00:00.000Z');
  const later = (ms: number) => new Date(at.getTime() + ms);
  const reader = defineRole({
    name: 'reader',
    description: 'reads accounts',
    privileges: [{ action: 'account.inquiry', resource: 'agency:*' }],
  });
  const sender = defineRole({
    name: 'sender',
    privileges: [
      { action: 'transfer.send', resource: 'agency:{subject}' },
      { action: 'transfer.cancel', resource: 'agency:{subject}/*' },
    ],
  });

  describe(`access repository: ${name}`, () => {
    let repo: AccessRepository;
    beforeEach(async () => {
      repo = await factory();
    });

    describe('roles', () => {
      it('saves, reads and lists roles, privileges normalised', async () => {
        await repo.saveRole(sender);
        await repo.saveRole(reader);
        expect(await repo.getRole('reader')).toEqual(reader);
        expect(await repo.getRole('sender')).toEqual(sender);
        expect(await repo.getRole('nobody')).toBeUndefined();
        expect((await repo.listRoles()).map((r) => r.name)).toEqual(['reader', 'sender']);
      });

      it('replaces a role: description and every privilege', async () => {
        await repo.saveRole(sender);
        const changed = defineRole({
          name: 'sender',
          description: 'now reads only',
          privileges: [{ action: 'account.inquiry', resource: 'agency:{subject}' }],
        });
        await repo.saveRole(changed);
        expect(await repo.getRole('sender')).toEqual(changed);
        await repo.saveRole(defineRole({ name: 'sender', privileges: [] }));
        expect(await repo.getRole('sender')).toEqual(defineRole({ name: 'sender', privileges: [] }));
      });

      it('deletes a role nobody holds, refuses one still granted', async () => {
        await repo.saveRole(reader);
        await repo.saveRole(sender);
        await repo.saveSubject({ id: 'alice', kind: 'user' });
        await repo.grantRole('alice', 'reader', { by: 'root', at });
        await expect(repo.deleteRole('reader')).rejects.toMatchObject({ code: 'ERR_ACCESS_CONFLICT' });
        expect(await repo.deleteRole('sender')).toBe(true);
        expect(await repo.deleteRole('sender')).toBe(false);
        expect((await repo.listRoles()).map((r) => r.name)).toEqual(['reader']);
      });
    });

    describe('subjects', () => {
      it('creates a subject without status or roles, and renames it', async () => {
        expect(await repo.getSubject('agency-1')).toBeUndefined();
        await repo.saveSubject({ id: 'agency-1', kind: 'agency', name: 'Agence du Port' });
        expect(await repo.getSubject('agency-1')).toEqual({
          id: 'agency-1',
          kind: 'agency',
          name: 'Agence du Port',
          roles: [],
        });
        await repo.saveSubject({ id: 'agency-1', kind: 'agency', name: 'Agence du Vieux Port' });
        expect((await repo.getSubject('agency-1'))?.name).toBe('Agence du Vieux Port');
      });

      it('never changes the kind of a subject', async () => {
        await repo.saveSubject({ id: 'x1', kind: 'party' });
        await expect(repo.saveSubject({ id: 'x1', kind: 'agency' })).rejects.toMatchObject({
          code: 'ERR_ACCESS_CONFLICT',
        });
        expect((await repo.getSubject('x1'))?.kind).toBe('party');
      });

      it('lists subjects in id order, by kind and status, a page at a time', async () => {
        for (const id of ['a3', 'a1', 'a2', 'a4']) await repo.saveSubject({ id, kind: 'agency', name: id });
        await repo.saveSubject({ id: 'u1', kind: 'user' });
        await repo.changeStatus({ id: 'c1', subjectId: 'a2', to: 0, actorId: 'op', reason: 'audit', at });
        await repo.changeStatus({ id: 'c2', subjectId: 'a4', to: 0, actorId: 'op', reason: 'audit', at });
        expect((await repo.listSubjects()).map((s) => s.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'u1']);
        expect((await repo.listSubjects({ kind: 'user' })).map((s) => s.id)).toEqual(['u1']);
        expect(await repo.listSubjects({ status: 0 })).toEqual([
          { id: 'a2', kind: 'agency', name: 'a2', status: 0 },
          { id: 'a4', kind: 'agency', name: 'a4', status: 0 },
        ]);
        expect((await repo.listSubjects({ kind: 'agency', limit: 2 })).map((s) => s.id)).toEqual(['a1', 'a2']);
        expect((await repo.listSubjects({ kind: 'agency', after: 'a2', limit: 2 })).map((s) => s.id)).toEqual([
          'a3',
          'a4',
        ]);
      });
    });

    describe('grants', () => {
      it('grants and revokes roles; the subject is read with its roles and their privileges', async () => {
        await repo.saveRole(reader);
        await repo.saveRole(sender);
        await repo.saveSubject({ id: 'agency-7', kind: 'agency' });
        expect(await repo.grantRole('agency-7', 'sender', { by: 'op', at })).toBe(true);
        expect(await repo.grantRole('agency-7', 'reader', { by: 'op', at })).toBe(true);
        expect(await repo.grantRole('agency-7', 'reader', { by: 'op', at })).toBe(false);
        expect((await repo.getSubject('agency-7'))?.roles).toEqual([reader, sender]);
        expect(await repo.revokeRole('agency-7', 'reader')).toBe(true);
        expect(await repo.revokeRole('agency-7', 'reader')).toBe(false);
        expect((await repo.getSubject('agency-7'))?.roles).toEqual([sender]);
      });

      it('shows a changed role to every subject that holds it', async () => {
        await repo.saveRole(reader);
        await repo.saveSubject({ id: 'alice', kind: 'user' });
        await repo.grantRole('alice', 'reader', { by: 'op', at });
        const wider = defineRole({ name: 'reader', privileges: [{ action: 'account.*', resource: '*' }] });
        await repo.saveRole(wider);
        expect((await repo.getSubject('alice'))?.roles).toEqual([wider]);
      });

      it('refuses grants to unknown subjects and of unknown roles', async () => {
        await repo.saveRole(reader);
        await repo.saveSubject({ id: 'alice', kind: 'user' });
        await expect(repo.grantRole('bob', 'reader', { by: 'op', at })).rejects.toMatchObject({
          code: 'ERR_ACCESS_SUBJECT_NOT_FOUND',
          subjectId: 'bob',
        });
        await expect(repo.grantRole('alice', 'writer', { by: 'op', at })).rejects.toMatchObject({
          code: 'ERR_ACCESS_ROLE_NOT_FOUND',
          role: 'writer',
        });
        await expect(repo.revokeRole('bob', 'reader')).rejects.toMatchObject({ code: 'ERR_ACCESS_SUBJECT_NOT_FOUND' });
      });
    });

    describe('statuses', () => {
      it('records every change with its predecessor; the same status records nothing', async () => {
        await repo.saveSubject({ id: 'agency-9', kind: 'agency' });
        const first = await repo.changeStatus({
          id: 'c1',
          subjectId: 'agency-9',
          to: 2,
          actorId: 'op',
          reason: 'opened',
          at,
        });
        expect(first).toEqual({
          changed: true,
          change: { id: 'c1', subjectId: 'agency-9', from: null, to: 2, actorId: 'op', reason: 'opened', at },
        });
        expect(
          await repo.changeStatus({ id: 'c2', subjectId: 'agency-9', to: 2, actorId: 'op', reason: 'again', at }),
        ).toEqual({ changed: false, status: 2 });
        await repo.changeStatus({
          id: 'c3',
          subjectId: 'agency-9',
          to: 0,
          actorId: 'op2',
          reason: 'audit',
          at: later(1),
        });
        expect((await repo.getSubject('agency-9'))?.status).toBe(0);
        const history = await repo.statusHistory('agency-9');
        expect(history.map((h) => [h.id, h.from, h.to, h.actorId, h.reason, h.at.toISOString()])).toEqual([
          ['c1', null, 2, 'op', 'opened', at.toISOString()],
          ['c3', 2, 0, 'op2', 'audit', later(1).toISOString()],
        ]);
        expect(await repo.statusHistory('nobody')).toEqual([]);
      });

      it('refuses a change of an unknown subject', async () => {
        await expect(
          repo.changeStatus({ id: 'c1', subjectId: 'ghost', to: 1, actorId: 'op', reason: 'x', at }),
        ).rejects.toMatchObject({ code: 'ERR_ACCESS_SUBJECT_NOT_FOUND' });
      });

      it('serializes concurrent changes: each recorded change starts where the previous one ended', async () => {
        await repo.saveSubject({ id: 'agency-c', kind: 'agency' });
        const targets = [1, 2, 3, 0, 2, 1, 3, 0, 1, 2];
        const results = await Promise.all(
          targets.map((to, i) =>
            repo.changeStatus({ id: `c${i}`, subjectId: 'agency-c', to, actorId: 'op', reason: 'race', at: later(i) }),
          ),
        );
        const history = await repo.statusHistory('agency-c');
        expect(history.length).toBe(results.filter((r) => r.changed).length);
        let previous: number | null = null;
        for (const change of history as StatusChange[]) {
          expect(change.from).toBe(previous);
          expect(change.to).not.toBe(change.from);
          previous = change.to;
        }
        expect((await repo.getSubject('agency-c'))?.status).toBe(previous);
      });
    });

    describe('denials', () => {
      it('records denials and lists them newest first, by subject, with a limit', async () => {
        const denial = (id: string, subjectId: string, ms: number) => ({
          id,
          subjectId,
          action: 'sdc.export',
          resource: `agency:${subjectId}`,
          rule: 'agency-status',
          reason: "status 2 (standard) does not include 'sdc.export'",
          at: later(ms),
        });
        await repo.recordDenial(denial('d1', 'a1', 0));
        await repo.recordDenial(denial('d2', 'ghost', 1)); // unknown subjects are denied, and recorded, too
        await repo.recordDenial(denial('d3', 'a1', 2));
        expect(await repo.listDenials()).toEqual([
          denial('d3', 'a1', 2),
          denial('d2', 'ghost', 1),
          denial('d1', 'a1', 0),
        ]);
        expect((await repo.listDenials({ subjectId: 'a1' })).map((d) => d.id)).toEqual(['d3', 'd1']);
        expect((await repo.listDenials({ limit: 1 })).map((d) => d.id)).toEqual(['d3']);
        await expect(repo.recordDenial(denial('d1', 'a1', 3))).rejects.toThrow();
        expect((await repo.listDenials()).length).toBe(3);
      });
    });

    describe('arguments', () => {
      it('refuses malformed arguments with ERR_ACCESS_INVALID_ARGUMENT', async () => {
        const invalid = { code: 'ERR_ACCESS_INVALID_ARGUMENT' };
        await expect(repo.saveSubject({ id: 'has space', kind: 'user' })).rejects.toMatchObject(invalid);
        await expect(repo.saveSubject({ id: 'u', kind: 'robot' as never })).rejects.toMatchObject(invalid);
        await expect(repo.getSubject('')).rejects.toMatchObject(invalid);
        await expect(repo.saveRole({ name: 'bad role', description: '', privileges: [] })).rejects.toMatchObject(
          invalid,
        );
        await expect(repo.listSubjects({ limit: 0 })).rejects.toMatchObject(invalid);
        await repo.saveSubject({ id: 'u', kind: 'user' });
        await expect(
          repo.changeStatus({ id: 'c', subjectId: 'u', to: -1, actorId: 'op', reason: 'x', at }),
        ).rejects.toMatchObject(invalid);
        await expect(
          repo.changeStatus({ id: 'c', subjectId: 'u', to: 1, actorId: 'op', reason: '', at }),
        ).rejects.toMatchObject(invalid);
        expect(await repo.statusHistory('u')).toEqual([]);
      });
    });
  });
}
