import type { DomainDescription, HostdevDevice, NetInterface } from '../domain/description.js';
import { findPrimaries, findStandby, findTeams, isVirtioNet, type PrimaryMode, type Team } from '../domain/teaming.js';

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
  'transient-not-hostdev',
  'unmigratable-device',
  'no-vf',
] as const;

export type LintCode = (typeof LINT_CODES)[number];
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  code: LintCode;
  /**
   * The device's alias, or when it has none its MAC, host PCI address or type (for a non-PCI `<hostdev>`, what
   * it passes through); the domain's name for domain-wide findings.
   */
  subject: string;
  message: string;
  /** What to change; empty for a finding that asks for nothing (info). */
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
  'transient-not-hostdev': transientNotHostdev,
  'unmigratable-device': unmigratableDevice,
  'no-vf': noVf,
};

export function lintDomain(d: DomainDescription, opts: LintOptions): Finding[] {
  return LINT_CODES.flatMap((code) => RULES[code](d, opts.primaryMode));
}

export function formatFinding(f: Finding): string {
  return `${f.severity.toUpperCase()} ${f.code} ${f.subject}: ${f.message}${f.fix === '' ? '' : ` (${f.fix})`}`;
}

// ---- helpers -----------------------------------------------------------------------------------

/**
 * Only a standby whose link is up is a matter of taste, and a domain without a VF is merely told which plan
 * moves it; everything else breaks migration or the guest.
 */
function severityOf(code: LintCode): Severity {
  if (code === 'standby-link-up') return 'warning';
  return code === 'no-vf' ? 'info' : 'error';
}

function finding(code: LintCode, subject: string, message: string, fix: string): Finding {
  return { severity: severityOf(code), code, subject, message, fix };
}

function subjectOf(nic: NetInterface): string {
  return nic.alias ?? nic.mac ?? nic.hostPciAddress ?? nic.type;
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

/**
 * Whether the domain holds a PCI device to team at all: a VF as `<interface type='hostdev'>` or `<hostdev>`,
 * or a transient teaming (a `type='network'` one takes its VF from a pool when the domain starts). In
 * emulated mode (the testbed) an emulated NIC sharing a virtio NIC's MAC stands in for the VF.
 */
function hasVf(d: DomainDescription, mode: PrimaryMode): boolean {
  if (d.hostdevs.length > 0 || d.interfaces.some((nic) => nic.type === 'hostdev' || nic.teaming?.type === 'transient')) return true;
  if (mode !== 'emulated') return false;
  const virtioMacs = new Set(d.interfaces.filter(isVirtioNet).map((nic) => nic.mac));
  return d.interfaces.some((nic) => !isVirtioNet(nic) && nic.mac !== null && virtioMacs.has(nic.mac));
}

// ---- rules -------------------------------------------------------------------------------------

function noStandby(d: DomainDescription, mode: PrimaryMode): Finding[] {
  // A persistent teaming on the wrong model is reported by standby-not-virtio, which names the interface;
  // a domain with no VF has nothing to unplug (no-vf).
  if (withPersistentTeaming(d).length > 0 || !hasVf(d, mode)) return [];
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
    .filter((nic) => !isVirtioNet(nic))
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
  // A persistent teaming on anything but virtio-net is no standby (standby-not-virtio); its link is moot.
  return withPersistentTeaming(d)
    .filter((nic) => isVirtioNet(nic) && nic.link === 'up')
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
  const standbys = withPersistentTeaming(d);
  const standbyAliases = new Set(standbys.map((nic) => nic.alias));
  const standby = findStandby(d);
  const fix = (target: string): string =>
    standby?.alias
      ? `use <teaming type='transient' persistent='${standby.alias}'/>, naming the standby's alias`
      : `add <alias name='${target}'/> to the virtio standby`;
  return withTransientTeaming(d).flatMap((nic) => {
    const target = nic.teaming?.type === 'transient' ? nic.teaming.persistent : null;
    if (target === null || standbyAliases.has(target)) return [];
    if (!aliases.has(target)) {
      return [finding('persistent-target-missing', subjectOf(nic), `persistent='${target}' names no interface alias, so the VF is teamed with nothing`, fix(target))];
    }
    // With no standby at all, no-standby already says what to add.
    if (standbys.length === 0) return [];
    return [
      finding(
        'persistent-target-missing',
        subjectOf(nic),
        `persistent='${target}' names an interface without <teaming type='persistent'/>, which is no standby, so the VF is teamed with nothing`,
        fix(target),
      ),
    ];
  });
}

/** NICs that must be addressable by a stable user alias: everything teamed, plus the emulated primary. */
function teamedInterfaces(d: DomainDescription, mode: PrimaryMode): NetInterface[] {
  const emulated = new Set(mode === 'emulated' ? findTeams(d, mode).flatMap((team) => team.primaries) : []);
  return d.interfaces.filter((nic) => nic.teaming !== null || emulated.has(nic));
}

function aliasPrefix(d: DomainDescription, mode: PrimaryMode): Finding[] {
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
  const unnamed = findTeams(d, mode)
    .filter((team) => team.standby.alias === null)
    .map((team) =>
      finding(
        'alias-prefix',
        subjectOf(team.standby),
        'the standby has no alias, so no persistent= can name it',
        "add <alias name='ua-backup0'/> to the standby and point the VF's persistent= at it",
      ),
    );
  return [...findings, ...unnamed];
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
  return findTeams(d, mode).flatMap(({ standby }) =>
    claimants(d, standby, mode).flatMap((primary) => {
      if (primary.form === 'hostdev') return standby.mac === null ? [hostdevStandbyWithoutMac(standby)] : [];
      return standby.mac === null || primary.mac !== standby.mac ? [macMismatchFinding(standby, primary)] : [];
    }),
  );
}

/** A teamed `<hostdev>` has no `<mac>`: its MAC is set on the host, so only a standby without one is visibly wrong. */
function hostdevStandbyWithoutMac(standby: NetInterface): Finding {
  return finding(
    'mac-mismatch',
    subjectOf(standby),
    "the standby has no MAC, so libvirt generates one that the MAC set on the <hostdev> through its PF cannot match: net_failover never pairs them",
    "set <mac address='…'/> on the standby to the MAC you set on the VF (ip link set PF vf N mac …)",
  );
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
  return findTeams(d, mode)
    .filter((team) => team.primaries.length > 1)
    .map(multiplePrimariesFinding);
}

function multiplePrimariesFinding({ standby, primaries }: Team): Finding {
  return finding(
    'multiple-primaries',
    subjectOf(standby),
    `${primaries.length} primaries (${primaries.map(subjectOf).join(', ')}) are teamed with one standby; net_failover takes only one`,
    `keep one primary per standby: remove the <interface> of ${primaries.slice(1).map(subjectOf).join(', ')}, or give each its own virtio standby with <teaming type='persistent'/> and the same MAC`,
  );
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
      `${named('PCI device', dev.hostPciAddress)} is passed through as a <hostdev> without <teaming>: libvirt refuses to migrate the domain`,
      `add <teaming type='transient' persistent='${standbyAlias}'/> to the <hostdev> (libvirt 7.1+), or replace it with <interface type='hostdev' managed='yes'> carrying it`,
    ),
  );
  return [...teamless, ...hostdevs];
}

function noHotplugSlot(d: DomainDescription, mode: PrimaryMode): Finding[] {
  const teams = findTeams(d, mode);
  const stuck = teams.flatMap((team) => team.primaries.filter((p) => cannotUnplug(p, d)).map((p) => stuckPrimary(p, d)));
  return [...stuck, ...noPortForReplug(teams, d)];
}

function withoutHotplug(d: DomainDescription): Set<number> {
  return new Set(d.busesWithoutHotplug ?? []);
}

/** A free pcie-root-port that can take a hot-plugged device (not `<target hotplug='off'/>`). */
function freePorts(d: DomainDescription): number[] {
  const off = withoutHotplug(d);
  return d.pcieRootPorts.filter((port) => port.free && !off.has(port.index)).map((port) => port.index);
}

/** q35's pcie.0, or a bus whose controller cannot hot-plug: QEMU cannot unplug what sits there. */
function cannotUnplug(primary: NetInterface, d: DomainDescription): boolean {
  const slot = primary.guestSlot;
  if (slot === null) return false;
  if (slot.busController === 'pcie-root') return isQ35(d.machine);
  return slot.bus !== null && withoutHotplug(d).has(slot.bus);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function stuckPrimary(primary: NetInterface, d: DomainDescription): Finding {
  const onRoot = primary.guestSlot?.busController === 'pcie-root';
  const port = freePorts(d)[0];
  const fix = !isQ35(d.machine)
    ? `remove <target hotplug='off'/> from the controller of bus ${hex(primary.guestSlot?.bus ?? 0)}, or drop the primary's <address> so libvirt places it on a bus that can hot-plug`
    : port === undefined
      ? "add <controller type='pci' model='pcie-root-port'/> and drop the primary's <address> so libvirt places it behind the port"
      : `move it behind pcie-root-port ${port}: <address type='pci' domain='0x0000' bus='${hex(port)}' slot='0x00' function='0x0'/>`;
  return finding(
    'no-hotplug-slot',
    subjectOf(primary),
    onRoot
      ? 'the primary sits on pcie.0, the q35 root bus, which cannot hot-unplug it'
      : `the primary sits on bus ${hex(primary.guestSlot?.bus ?? 0)}, whose controller cannot hot-plug (<target hotplug='off'/>, or a model that never does), so it cannot be unplugged`,
    fix,
  );
}

/** Unplugging a primary that sits on a hot-pluggable port frees that port for the VF plugged in on D. */
function freesAPort(primary: NetInterface | null, d: DomainDescription): boolean {
  if (primary === null || cannotUnplug(primary, d)) return false;
  const controller = primary.guestSlot?.busController;
  return controller === undefined || controller === 'pcie-root-port' || controller === 'other';
}

/** Every team whose primary frees no port needs a free one of its own for the VF plugged in on D (q35). */
function noPortForReplug(teams: Team[], d: DomainDescription): Finding[] {
  if (!isQ35(d.machine)) return [];
  const lacking = teams.filter((team) => !freesAPort(team.primaries[0] ?? null, d));
  return lacking.slice(freePorts(d).length).map((team) =>
    finding(
      'no-hotplug-slot',
      subjectOf(team.primaries[0] ?? team.standby),
      'no free pcie-root-port is left, so no VF can be hot-plugged in on the destination',
      "add a spare <controller type='pci' model='pcie-root-port'/> to the persistent config; it takes effect at the next cold boot",
    ),
  );
}

/** QEMU's failover pairs a virtio standby with a VFIO device: libvirt refuses a transient teaming anywhere else. */
function transientNotHostdev(d: DomainDescription, mode: PrimaryMode): Finding[] {
  // The testbed's emulated primary carries no teaming; a teaming on it is judged by what it claims (mac-mismatch…).
  if (mode === 'emulated') return [];
  return withTransientTeaming(d)
    .filter((nic) => nic.type !== 'hostdev' && nic.type !== 'network')
    .map((nic) =>
      finding(
        'transient-not-hostdev',
        subjectOf(nic),
        `<teaming type='transient'/> is on an <interface type='${nic.type}'>: libvirt refuses it (virtio-net teaming transient interface must be type='hostdev')`,
        "make it <interface type='hostdev' managed='yes'> with the VF's <source><address …/></source>, or type='network' naming a libvirt network that is a pool of VFs",
      ),
    );
}

/** qemuMigrationSrcIsAllowedHostdev: USB host devices migrate; SCSI, SCSI host, mdev and capabilities-mode ones do not. */
function unmigratableDevice(d: DomainDescription): Finding[] {
  return (d.otherHostdevs ?? [])
    .filter((dev) => dev.mode !== 'subsystem' || dev.type !== 'usb')
    .map((dev) =>
      finding(
        'unmigratable-device',
        dev.alias ?? dev.source ?? dev.type,
        `<hostdev mode='${dev.mode}' type='${dev.type}'> cannot be migrated: libvirt refuses to migrate a domain holding one`,
        'detach it before migrating (virsh detach-device with its <hostdev> XML) and attach its counterpart on the destination, or move the VM cold',
      ),
    );
}

function noVf(d: DomainDescription, mode: PrimaryMode): Finding[] {
  if (hasVf(d, mode) || withPersistentTeaming(d).length > 0) return [];
  return [finding('no-vf', d.name, 'nothing to team; migrated with the plan for VMs without a VF', '')];
}
