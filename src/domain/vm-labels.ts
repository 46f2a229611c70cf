import type { XmlElement } from './xml-reader.js';

/**
 * Operator labels on a domain, read from its `<metadata>`, where libvirt keeps any element in a namespace of
 * its own (`virsh metadata DOMAIN https://vfmigrate.dev/ns/1 --key vfmigrate --set '<labels>…</labels>'`):
 *
 *   <metadata>
 *     <vfmigrate:labels xmlns:vfmigrate="https://vfmigrate.dev/ns/1">
 *       <label key="tier">gold</label>
 *     </vfmigrate:labels>
 *   </metadata>
 *
 * The reader keeps prefixes unresolved, so the element is recognised by its namespace declaration, whatever
 * prefix it carries. Labels are data to compare, never code: a key or value outside the limits below is left
 * out (an evacuation rule cannot match it) rather than failing the description of the whole domain.
 */
export const labelsNamespace = 'https://vfmigrate.dev/ns/1';

export const labelKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
/** Printable, at most 256 characters: no control, C1 or bidi characters that could disguise a value in a report. */
export const labelValuePattern = /^[^\p{Cc}\p{Cf}]{0,256}$/u;
/** More labels than this on one domain are not read (first ones kept). */
export const maxLabels = 64;

export function readLabels(metadata: XmlElement | null): Record<string, string> {
  const labels: Record<string, string> = {};
  if (metadata === null) return labels;
  const holder = metadata.children.find(isLabelsElement);
  if (!holder) return labels;
  const prefix = holder.name.includes(':') ? `${holder.name.slice(0, holder.name.indexOf(':'))}:` : '';
  let read = 0;
  for (const el of holder.children) {
    if (read >= maxLabels) break;
    if (el.name !== 'label' && el.name !== `${prefix}label`) continue;
    const key = el.attributes.get('key');
    const value = el.text.trim();
    if (key === undefined || !labelKeyPattern.test(key) || !labelValuePattern.test(value) || Object.hasOwn(labels, key)) continue;
    labels[key] = value;
    read += 1;
  }
  return labels;
}

function isLabelsElement(el: XmlElement): boolean {
  const colon = el.name.indexOf(':');
  const local = colon === -1 ? el.name : el.name.slice(colon + 1);
  if (local !== 'labels') return false;
  const declaration = colon === -1 ? 'xmlns' : `xmlns:${el.name.slice(0, colon)}`;
  return el.attributes.get(declaration) === labelsNamespace;
}
