import type { Command } from 'commander';
import { activityRegistry } from '../../activities/registry.js';
import { explainPlan } from '../../plan/explain.js';
import { loadPlan, type PlanLoad } from '../../plan/load.js';
import { flattenSteps } from '../../plan/resolved.js';
import { defaultQueuePrefix } from '../../temporal/names.js';
import { consoleOutput, invalidLines, printLines, type Output } from '../output.js';

export async function validatePlanCommand(file: string, io: Output): Promise<number> {
  const plan = await loadPlan(file, activityRegistry);
  if (!plan.ok) return reportProblems(plan, io);
  const steps = flattenSteps(plan.resolved.steps);
  const pivot = steps.find((s) => s.pivot);
  const groups = plan.resolved.steps.filter((s) => s.kind === 'parallel').length;
  io.out(
    `ok: ${plan.file}: plan ${plan.resolved.name} v${plan.resolved.version}, ${steps.length} steps` +
      `${groups ? ` (${groups} parallel group${groups > 1 ? 's' : ''})` : ''}, pivot "${pivot?.id ?? '?'}", ${steps.filter((s) => s.compensate).length} compensated`,
  );
  return 0;
}

export async function explainPlanCommand(file: string, opts: { from?: string; to?: string }, io: Output): Promise<number> {
  const plan = await loadPlan(file, activityRegistry);
  if (!plan.ok) return reportProblems(plan, io);
  const lines = explainPlan(plan.resolved, {
    file: plan.file,
    queuePrefix: process.env.VFMIGRATE_QUEUE_PREFIX ?? defaultQueuePrefix,
    ...(opts.from ? { source: opts.from } : {}),
    ...(opts.to ? { destination: opts.to } : {}),
  });
  printLines(io, lines);
  return 0;
}

function reportProblems(plan: Extract<PlanLoad, { ok: false }>, io: Output): number {
  printLines(io, invalidLines(plan.file, plan.problems));
  return 1;
}

export function registerPlanCommands(program: Command, exit: (code: number) => void): void {
  const plan = program.command('plan').description('check and explain migration plans');
  plan
    .command('validate')
    .argument('<file>', 'plan file, or the name of a shipped plan (e.g. detach-first)')
    .description('validate a plan: exit 0 with a summary, or exit 1 listing every problem, path first')
    .action(async (file: string) => exit(await validatePlanCommand(file, consoleOutput)));
  plan
    .command('explain')
    .argument('<file>', 'plan file, or the name of a shipped plan')
    .option('--from <host>', 'name the source host in queue names')
    .option('--to <host>', 'name the destination host in queue names')
    .description('print the steps in order, where each runs, what undoes what, and the undo order if step N fails')
    .action(async (file: string, opts: { from?: string; to?: string }) => exit(await explainPlanCommand(file, opts, consoleOutput)));
}
