// Operators name a user by address (or by id, as the audit log shows them): one lookup for all.
import type { AdminUser } from '../admin/admin-ports.js';
import type { AdminService } from '../admin/admin-service.js';
import { CliError } from './cli-io.js';
import { inert } from './output.js';

export async function requireUser(service: AdminService, reference: string): Promise<AdminUser> {
  const byEmail = reference.includes('@');
  const user = byEmail
    ? await service.findUserByEmail(reference)
    : await service.getUser(reference);
  if (user === null)
    throw new CliError(`no user with the ${byEmail ? 'address' : 'id'} ${inert(reference)}`);
  return user;
}
