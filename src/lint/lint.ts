import type { DomainDescription, HostdevDevice, NetInterface } from '../domain/description.js';
import { findPrimaries, findStandby, findTeamingPair, type PrimaryMode } from '../domain/teaming.js';

export const LINT_CODES = [
  'no-standby',
  'standby-not-virtio',
  'standby-link-up',
  'transient-missing-persistent',
  'persistent-target-missing',
  'alias-prefix',
  'mac-mismatch',
  'multiple-primaries',
  'vf-without-teaming',
  'no-hotplug-slot',
] as const;

export type LintCode = (typeof LINT_CODES)[number];
export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  code: LintCode;
  /** The device's alias, or its MAC/type (host PCI address for a `<hostdev>`) when it has none. */
  subject: string;
  message: string;
  fix: string;
}

export interface LintOptions {
  primaryMode: PrimaryMode;
}

type Rule = (d: DomainDescription, mode: PrimaryMode) => Finding[];

/** Keyed by code so the compiler insists on exactly one rule per code. */
const RULES: Record<LintCode, Rule> = {
  'no-standby': noStandby,
  'standby-not-virtio': standbyNotVirtio,
  'standby-link-up': standbyLinkUp,
  'transient-missing-persistent': transientMissingPersistent,
  'persistent-target-missing': persistentTargetMissing,
  'alias-prefix': aliasPrefix,
  'mac-mismatch': macMismatch,
  'multiple-primaries': multiplePrimaries,
  'vf-without-teaming': vfWithoutTeaming,
  'no-hotplug-slot': noHotplugSlot,
};

export function lintDomain(d: DomainDescription, opts: LintOptions): Finding[] {
  return LINT_CODES.flatMap((code) => RULES[code](d, opts.primaryMode));
}

export function formatFinding(f: Finding): string {
  return `${f.severity.toUpperCase()} ${f.code} ${f.subject}: ${f.message} (${f.fix})`;
}

// ---- helpers -----------------------------------------------------------------------------------

/** Only a standby whose link is up is a matter of taste; everything else breaks migration or the guest. */
function finding(code: LintCode, subject: string, message: string, fix: string): Finding {
  return { severity: code === 'standby-link-up' ? 'warning' : 'error', code, subject, message, fix };
}

function subjectOf(nic: NetInterface): string {
  return nic.alias ?? nic.mac ?? nic.type;
}

function hostdevSubject(dev: HostdevDevice): string {
  return dev.alias ?? dev.hostPciAddress ?? 'hostdev';
}

function withPersistentTeaming(d: DomainDescription): NetInterface[] {
  return d.interfaces.filter((nic) => nic.teaming?.type === 'persistent');
}

function withTransientTeaming(d: DomainDescription): NetInterface[] {
  return d.interfaces.filter((nic) => nic.teaming?.type === 'transient');
}

/** The alias a fix should point persistent= at: the standby's own when it has a usable one. */
function standbyAliasFor(d: DomainDescription): string {
  const alias = findStandby(d)?.alias;
  return alias?.startsWith('ua-') ? alias : 'ua-backup0';
}

function named(what: string, pciAddress: string | null): string {
  return pciAddress === null ? `the ${what}` : `${what} ${pciAddress}`;
}

function isQ35(machine: string): boolean {
  return machine.includes('q35');
}

// ---- rules -------------------------------------------------------------------------------------

function noStandby(d: DomainDescription): Finding[] {
  // A persistent teaming on the wrong model is reported by standby-not-virtio, which names the interface.
  if (withPersistentTeaming(d).length > 0) return [];
  return [
    finding(
      'no-standby',
      d.name,
      "no interface carries <teaming type='persistent'/>: the guest gets no failover master and loses the network when the VF is unplugged",
      "on a virtio <interface> with the VF's MAC add <teaming type='persistent'/>, <link state='down'/> and <alias name='ua-backup0'/>",
    ),
  ];
}

function standbyNotVirtio(d: DomainDescription): Finding[] {
  return withPersistentTeaming(d)
    .filter((nic) => nic.model !== 'virtio')
    .map((nic) =>
      finding(
        'standby-not-virtio',
        subjectOf(nic),
        `<teaming type='persistent'/> is on an interface of ${nic.model === null ? `type ${nic.type}` : `model ${nic.model}`}, but only virtio-net can be the net_failover standby`,
        nic.type === 'hostdev'
          ? "move <teaming type='persistent'/> to a virtio interface and give this VF <teaming type='transient' persistent='…'/>"
          : "set <model type='virtio'/> on this interface",
      ),
    );
}

function standbyLinkUp(d: DomainDescription): Finding[] {
  return withPersistentTeaming(d)
    .filter((nic) => nic.link === 'up')
    .map((nic) =>
      finding(
        'standby-link-up',
        subjectOf(nic),
        "the standby's link is up, so traffic won't prefer the VF in normal operation",
        "add <link state='down'/> to the standby; vfmigrate brings it up only while the VF is away",
      ),
    );
}

function transientMissingPersistent(d: DomainDescription): Finding[] {
  const standbyAlias = standbyAliasFor(d);
  return withTransientTeaming(d)
    .filter((nic) => nic.teaming?.type === 'transient' && nic.teaming.persistent === null)
    .map((nic) =>
      finding(
        'transient-missing-persistent',
        subjectOf(nic),
        "<teaming type='transient'/> has no persistent= attribute: libvirt rejects it and the VF has no standby to fail over to",
        `use <teaming type='transient' persistent='${standbyAlias}'/>, naming the standby's alias`,
      ),
    );
}

function persistentTargetMissing(d: DomainDescription): Finding[] {
  const aliases = new Set(d.interfaces.map((nic) => nic.alias));
  const standby = findStandby(d);
  return withTransientTeaming(d).flatMap((nic) => {
    const target = nic.teaming?.type === 'transient' ? nic.teaming.persistent : null;
    if (target === null || aliases.has(target)) return [];
    return [
      finding(
        'persistent-target-missing',
        subjectOf(nic),
        `persistent='${target}' names no interface alias, so the VF is teamed with nothing`,
        standby?.alias
          ? `use <teaming type='transient' persistent='${standby.alias}'/>, naming the standby's alias`
          : `add <alias name='${target}'/> to the virtio standby`,
      ),
    ];
  });
}

/** NICs that must be addressable by a stable user alias: everything teamed, plus the emulated primary. */
function teamedInterfaces(d: DomainDescription, mode: PrimaryMode): NetInterface[] {
  const standby = findStandby(d);
  const emulated = new Set(mode === 'emulated' && standby !== null ? findPrimaries(d, standby, mode) : []);
  return d.interfaces.filter((nic) => nic.teaming !== null || emulated.has(nic));
}

function aliasPrefix(d: DomainDescription, mode: PrimaryMode): Finding[] {
  const standby = findStandby(d);
  const findings = teamedInterfaces(d, mode)
    .filter((nic) => nic.alias !== null && !nic.alias.startsWith('ua-'))
    .map((nic) =>
      finding(
        'alias-prefix',
        subjectOf(nic),
        `alias '${nic.alias ?? ''}' lacks the ua- prefix: libvirt silently drops such aliases, leaving persistent= and detach-by-alias dangling`,
        `rename it <alias name='ua-${nic.alias ?? ''}'/> and update any persistent= that names it`,
      ),
    );
  // persistent= and the standby link toggle both name the standby by alias; without one there is nothing to name.
  if (standby !== null && standby.alias === null) {
    findings.push(
      finding(
        'alias-prefix',
        subjectOf(standby),
        'the standby has no alias, so no persistent= can name it',
        "add <alias name='ua-backup0'/> to the standby and point the VF's persistent= at it",
      ),
    );
  }
  return findings;
}

/**
 * Every interface that claims the standby: the mode's primary, plus any transient teaming that names it (an
 * explicit claim even in emulated mode, where the primary is otherwise found by the very MAC being checked).
 */
function claimants(d: DomainDescription, standby: NetInterface, mode: PrimaryMode): NetInterface[] {
  const named = findPrimaries(d, standby, 'hostdev');
  const primaries = mode === 'hostdev' ? named : [...findPrimaries(d, standby, mode), ...named];
  return [...new Set(primaries)];
}

function macMismatch(d: DomainDescription, mode: PrimaryMode): Finding[] {
  const standby = findStandby(d);
  if (standby === null) return [];
  return claimants(d, standby, mode)
    .filter((primary) => standby.mac === null || primary.mac !== standby.mac)
    .map((primary) => macMismatchFinding(standby, primary));
}

function macMismatchFinding(standby: NetInterface, primary: NetInterface): Finding {
  return finding(
    'mac-mismatch',
    subjectOf(primary),
    `the primary's MAC ${primary.mac ?? '(none)'} differs from the standby's ${standby.mac ?? '(none)'}: libvirt accepts it but net_failover never pairs them and the guest breaks silently`,
    standby.mac !== null
      ? `set <mac address='${standby.mac}'/> on the primary`
      : "set the same <mac address='…'/> on both the standby and the primary",
  );
}

function multiplePrimaries(d: DomainDescription, mode: PrimaryMode): Finding[] {
  const standby = findStandby(d);
  const primaries = standby === null ? [] : findPrimaries(d, standby, mode);
  if (standby === null || primaries.length < 2) return [];
  return [
    finding(
      'multiple-primaries',
      subjectOf(standby),
      `${primaries.length} primaries (${primaries.map(subjectOf).join(', ')}) are teamed with one standby; net_failover takes only one`,
      `keep one primary per standby: remove the <interface> of ${primaries.slice(1).map(subjectOf).join(', ')}, or give each its own virtio standby with <teaming type='persistent'/> and the same MAC`,
    ),
  ];
}

function vfWithoutTeaming(d: DomainDescription): Finding[] {
  const standbyAlias = standbyAliasFor(d);
  const teamless = d.interfaces
    .filter((nic) => nic.type === 'hostdev' && nic.teaming === null)
    .map((nic) =>
      finding(
        'vf-without-teaming',
        subjectOf(nic),
        `${named('VF', nic.hostPciAddress)} is passed through without <teaming>: libvirt refuses to migrate the domain`,
        `add <teaming type='transient' persistent='${standbyAlias}'/> to it, with a virtio standby of the same MAC`,
      ),
    );
  const hostdevs = d.hostdevs.map((dev) =>
    finding(
      'vf-without-teaming',
      hostdevSubject(dev),
      `${named('PCI device', dev.hostPciAddress)} is passed through as a <hostdev>, which cannot be teamed: libvirt refuses to migrate the domain`,
      `replace it with <interface type='hostdev' managed='yes'> carrying <teaming type='transient' persistent='${standbyAlias}'/>`,
    ),
  );
  return [...teamless, ...hostdevs];
}

function noHotplugSlot(d: DomainDescription, mode: PrimaryMode): Finding[] {
  const pair = findTeamingPair(d, mode);
  if (!isQ35(d.machine) || pair === null) return [];
  const subject = subjectOf(pair.primary ?? pair.standby);
  return [...primaryOnRootBus(pair.primary, d), ...noPortForReplug(pair.primary, d, subject)];
}

function firstFreePort(d: DomainDescription): number | null {
  return d.pcieRootPorts.find((port) => port.free)?.index ?? null;
}

function primaryOnRootBus(primary: NetInterface | null, d: DomainDescription): Finding[] {
  if (primary?.guestSlot?.busController !== 'pcie-root') return [];
  const port = firstFreePort(d);
  return [
    finding(
      'no-hotplug-slot',
      subjectOf(primary),
      'the primary sits on pcie.0, the q35 root bus, which cannot hot-unplug it',
      port === null
        ? "add <controller type='pci' model='pcie-root-port'/> and drop the primary's <address> so libvirt places it behind the port"
        : `move it behind pcie-root-port ${port}: <address type='pci' domain='0x0000' bus='0x${port.toString(16).padStart(2, '0')}' slot='0x00' function='0x0'/>`,
    ),
  ];
}

/** Unplugging a primary that sits on a hot-pluggable port frees that port for the VF plugged in on D. */
function freesAPort(primary: NetInterface | null): boolean {
  if (primary === null) return false;
  const controller = primary.guestSlot?.busController;
  return controller === undefined || controller === 'pcie-root-port' || controller === 'other';
}

function noPortForReplug(primary: NetInterface | null, d: DomainDescription, subject: string): Finding[] {
  if (freesAPort(primary) || firstFreePort(d) !== null) return [];
  return [
    finding(
      'no-hotplug-slot',
      subject,
      'no free pcie-root-port is left, so no VF can be hot-plugged in on the destination',
      "add a spare <controller type='pci' model='pcie-root-port'/> to the persistent config; it takes effect at the next cold boot",
    ),
  ];
}
