// Accounts (administrators only). An administrator acts only within their own schools: they manage
// an account only when every school it has is in their scope (an administrator of school A never
// touches a manager of schools A and B, who could otherwise be taken over to read school B), give
// only schools in their scope, and a change to an account's schools adds or removes within their
// scope and leaves the rest as it is. An account for every school needs an administrator of every
// school. docs/security.md.
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { hashPassword } from '../auth/passwords';
import { passwordSchema, publicUser } from '../auth/routes';
import { inScope } from '../auth/scope';
import { createSetupToken } from '../auth/setupTokens';
import { createUser, getUser, getUserByEmail, listUsers, ROLES, updateUser, type User } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';

const userId = z.object({ userId: z.uuid('not a user id') });
const schoolIdsSchema = z.array(z.string().trim().min(1).max(64)).max(200);

function adminView(u: User) {
  return { ...publicUser(u), disabled: u.disabled, hasPassword: u.hasPassword, createdAt: u.createdAt };
}

export async function registerUserRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  const admin = { roles: ['admin'] as const };

  /** Whether the administrator may manage this account: all of its schools are in their scope. */
  function manages(actor: User, target: User): boolean {
    if (actor.allSchools) return true;
    if (target.allSchools) return false;
    return target.schoolIds.length > 0 && target.schoolIds.every((s) => actor.schoolIds.includes(s));
  }

  /** The account, when the administrator manages it; a 403 saying why when they only share a school. */
  async function managedUser(actor: User, userId: string): Promise<User> {
    const target = await getUser(db, userId);
    if (target && (manages(actor, target) || target.id === actor.id)) return target;
    if (target && !target.allSchools && target.schoolIds.some((s) => actor.schoolIds.includes(s)))
      throw forbidden(
        'This account also has schools outside your scope: an administrator of those schools (or of every school) manages it.',
      );
    throw notFound('No such user');
  }

  function checkGrant(actor: User, schoolIds: string[] | undefined, allSchools: boolean | undefined): void {
    if (allSchools && !actor.allSchools)
      throw forbidden('Only an administrator of every school can give access to every school.');
    for (const s of schoolIds ?? [])
      if (!inScope(actor, s))
        throw forbidden(`You cannot give access to school ${s}: it is not in your scope.`);
  }

  app.get(
    '/api/users',
    { config: admin, schema: { tags: ['users'], summary: 'Every account' } },
    async (req) => {
      const actor = currentUser(req);
      const users = await listUsers(db);
      // An administrator of some schools sees the accounts they manage (and their own).
      const visible = users.filter((u) => u.id === actor.id || manages(actor, u));
      return { users: visible.map(adminView) };
    },
  );

  app.post(
    '/api/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Create an account',
        description:
          'Without a password the answer carries a one-time set-up link for the new user (valid 72 hours).',
        body: z.object({
          email: z.email('enter an email address').max(200),
          displayName: z.string().trim().min(1, 'enter a name').max(100),
          role: z.enum(ROLES),
          schoolIds: schoolIdsSchema.default([]),
          allSchools: z.boolean().default(false),
          safeguardingLead: z
            .boolean()
            .default(false)
            .describe('A designated safeguarding lead: sees safeguarding flags whatever the role'),
          password: passwordSchema.optional(),
        }),
      },
    },
    async (req, reply) => {
      const actor = currentUser(req);
      const b = req.body;
      checkGrant(actor, b.schoolIds, b.allSchools);
      if (!b.allSchools && b.schoolIds.length === 0)
        throw badRequest('Give the account at least one school (or every school).');
      if (await getUserByEmail(db, b.email)) throw conflict('An account with that email already exists.');
      const user = await db.transaction(async (tx) => {
        const user = await createUser(tx, {
          email: b.email,
          displayName: b.displayName,
          role: b.role,
          schoolIds: b.schoolIds,
          allSchools: b.allSchools,
          safeguardingLead: b.safeguardingLead,
          passwordHash: b.password ? await hashPassword(b.password) : null,
        });
        await writeAudit(tx, actor, {
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          details: {
            role: b.role,
            schoolIds: b.schoolIds,
            allSchools: b.allSchools,
            safeguardingLead: b.safeguardingLead,
          },
        });
        return user;
      });
      const setupUrl = b.password
        ? null
        : `${ctx.publicUrl()}/setup?token=${await createSetupToken(db, 'set-password', user.id)}`;
      return reply.code(201).send({ user: adminView(user), setupUrl });
    },
  );

  app.patch(
    '/api/users/:userId',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Change an account’s name, role, schools or status',
        params: userId,
        body: z
          .object({
            displayName: z.string().trim().min(1).max(100).optional(),
            role: z.enum(ROLES).optional(),
            schoolIds: schoolIdsSchema.optional(),
            allSchools: z.boolean().optional(),
            safeguardingLead: z.boolean().optional(),
            disabled: z.boolean().optional(),
          })
          .refine((b) => Object.values(b).some((v) => v !== undefined), 'change at least one field'),
      },
    },
    async (req) => {
      const actor = currentUser(req);
      const target = await managedUser(actor, req.params.userId);
      const b = req.body;
      checkGrant(actor, b.schoolIds, b.allSchools);
      if (target.id === actor.id && (b.disabled || (b.role && b.role !== 'admin'))) {
        throw badRequest(
          'You cannot disable yourself or remove your own administrator role; ask another administrator.',
        );
      }
      if (b.allSchools === false && target.allSchools && !actor.allSchools)
        throw forbidden('Only an administrator of every school can change an account for every school.');
      // The schools given replace those in the administrator's scope; the others stay as they are.
      const schoolIds = b.schoolIds && [
        ...target.schoolIds.filter((s) => !inScope(actor, s)),
        ...new Set(b.schoolIds),
      ];
      const allSchools = b.allSchools ?? target.allSchools;
      if (!allSchools && (schoolIds ?? target.schoolIds).length === 0)
        throw badRequest('Give the account at least one school (or every school).');
      const updated = await db.transaction(async (tx) => {
        const changed = await updateUser(tx, target.id, { ...b, ...(schoolIds ? { schoolIds } : {}) });
        await writeAudit(tx, actor, {
          action: 'user.update',
          targetType: 'user',
          targetId: target.id,
          details: { ...req.body, displayName: undefined },
        });
        return changed;
      });
      ctx.sessions.forgetUser(target.id);
      return { user: adminView(updated!) };
    },
  );

  app.post(
    '/api/users/:userId/setup-link',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'A new one-time link for the user to set a password',
        params: userId,
      },
    },
    async (req) => {
      const actor = currentUser(req);
      const target = await managedUser(actor, req.params.userId);
      const token = await db.transaction(async (tx) => {
        const minted = await createSetupToken(tx, 'set-password', target.id);
        await writeAudit(tx, actor, { action: 'user.setup_link', targetType: 'user', targetId: target.id });
        return minted;
      });
      return { setupUrl: `${ctx.publicUrl()}/setup?token=${token}` };
    },
  );
}
