// `policy explain`: what the gateway would decide for a request from one user's session, and why.
import type { Command } from 'commander';
import { explainQuery } from '../admin/admin-inputs.js';
import type { Explained } from '../admin/admin-service.js';
import { explanationView } from '../admin/admin-views.js';
import { withAdminContext } from './admin-context.js';
import type { CommandDeps } from './admin-program.js';
import { CliError, UsageError } from './cli-io.js';
import { emit, inert, listOrDash, yesNo } from './output.js';

interface ExplainOptions {
  readonly method: string;
  readonly path: string;
  readonly host?: string;
  readonly user: string;
  readonly aal?: string;
  readonly routes?: string;
}

export function addPolicyCommands(program: Command, { io, open }: CommandDeps): void {
  program
    .command('policy')
    .description("the gateway's route policies")
    .command('explain')
    .description(
      'which route matches a request, which rule decides for the user and why (nothing is sent)',
    )
    .requiredOption('--path <path>', 'the request path, e.g. /app/reports')
    .requiredOption('--user <email>', 'whose session to assume (their current roles)')
    .option('--method <method>', 'the request method', 'GET')
    .option(
      '--host <host>',
      'the Host the request is sent to (default: the host of AUTH_PUBLIC_URL)',
    )
    .option(
      '--aal <aal>',
      'the session assurance: aal1 or aal2 (default: aal2, the best reachable)',
    )
    .option(
      '--routes <file>',
      "the gateway's routes file (default: AUTH_ROUTES_FILE, else GATEWAY_ROUTES_FILE, else the shipped one)",
    )
    .action(async (options: ExplainOptions, command: Command) => {
      const parsed = explainQuery.safeParse(options);
      if (!parsed.success) {
        const fields = new Set(parsed.error.issues.map((issue) => `--${String(issue.path[0])}`));
        throw new UsageError(`not valid: ${[...fields].join(', ')}`);
      }
      const query = parsed.data;
      const routesFile = options.routes ?? null;
      const explained = await withAdminContext(io, open, { routesFile }, ({ service }) =>
        service.explain(
          { method: query.method, host: query.host, path: query.path },
          query.user,
          query.aal,
        ),
      );
      if (explained === null) throw new CliError(`no user with the address ${inert(query.user)}`);
      emit(io, command, explanationView(explained), () => explanationText(explained));
    });
}

function explanationText(explained: Explained): string {
  const { explanation, user } = explained;
  const { request, route, decision } = explanation;
  const lines = [
    `${request.method} ${request.host}${request.path}`,
    `  as ${user.email}: roles ${listOrDash(user.roles)}; email verified ${yesNo(user.emailVerified)}; ` +
      (explained.aalAssumed
        ? `${explained.aal} assumed (the best reachable; --aal aal1 for a session without a second factor)`
        : explained.aal),
  ];
  if (user.disabled) lines.push('  note: this account is disabled: it has no session at all');
  lines.push('', `Decision: ${decisionText(decision)}${statusText(explanation.status)}`);
  lines.push(`Reason:   ${explanation.reason}`);
  if (explanation.decidedBy !== null) lines.push(`Decided by: ${explanation.decidedBy}`);
  if (route !== null)
    lines.push(
      route.kind === 'redirect'
        ? `Route:    #${route.index} ${route.path} redirects to ${route.redirect}`
        : `Route:    #${route.index} ${route.prefix} -> ${route.upstream} (${route.access}, ${route.mode}${route.hosts === null ? '' : `, hosts ${route.hosts.join(',')}`})`,
    );
  if (explanation.checks.length > 0) {
    lines.push('Checks:');
    const width = Math.max(...explanation.checks.map((check) => check.rule.length));
    for (const check of explanation.checks)
      lines.push(`  ${check.outcome.padEnd(14)}  ${check.rule.padEnd(width)}  ${check.reason}`);
  }
  return lines.map((line) => `${inert(line)}\n`).join('');
}

function decisionText(decision: Explained['explanation']['decision']): string {
  switch (decision.outcome) {
    case 'deny':
      return `deny (${decision.code})`;
    case 'allow':
      return decision.identity ? 'allow, with identity' : 'allow, without identity';
    case 'redirect':
      return `redirect to ${decision.location}`;
    default:
      return decision.outcome.replaceAll('_', ' ');
  }
}

const statusText = (status: number | null): string =>
  status === null ? ' (the upstream answers)' : ` (the gateway answers ${status})`;
