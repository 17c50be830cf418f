// Accounts (administrators only). An administrator can give only the schools in their own scope.
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
      // An administrator of some schools sees the accounts that share one of them.
      const visible = actor.allSchools
        ? users
        : users.filter((u) => u.id === actor.id || u.schoolIds.some((s) => actor.schoolIds.includes(s)));
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
      const user = await createUser(db, {
        email: b.email,
        displayName: b.displayName,
        role: b.role,
        schoolIds: b.schoolIds,
        allSchools: b.allSchools,
        passwordHash: b.password ? await hashPassword(b.password) : null,
      });
      await writeAudit(db, actor, {
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        details: { role: b.role, schoolIds: b.schoolIds, allSchools: b.allSchools },
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
            disabled: z.boolean().optional(),
          })
          .refine((b) => Object.values(b).some((v) => v !== undefined), 'change at least one field'),
      },
    },
    async (req) => {
      const actor = currentUser(req);
      const target = await getUser(db, req.params.userId);
      if (
        !target ||
        !(
          actor.allSchools ||
          target.id === actor.id ||
          target.schoolIds.some((s) => actor.schoolIds.includes(s))
        )
      )
        throw notFound('No such user');
      checkGrant(actor, req.body.schoolIds, req.body.allSchools);
      if (target.id === actor.id && (req.body.disabled || (req.body.role && req.body.role !== 'admin'))) {
        throw badRequest(
          'You cannot disable yourself or remove your own administrator role; ask another administrator.',
        );
      }
      const updated = await updateUser(db, target.id, req.body);
      ctx.sessions.forgetUser(target.id);
      await writeAudit(db, actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: target.id,
        details: { ...req.body, displayName: undefined },
      });
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
      const target = await getUser(db, req.params.userId);
      if (!target || !(actor.allSchools || target.schoolIds.some((s) => actor.schoolIds.includes(s))))
        throw notFound('No such user');
      const token = await createSetupToken(db, 'set-password', target.id);
      await writeAudit(db, actor, { action: 'user.setup_link', targetType: 'user', targetId: target.id });
      return { setupUrl: `${ctx.publicUrl()}/setup?token=${token}` };
    },
  );
}
