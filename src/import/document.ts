/**
 * What import infers, written as YAML through the `yaml` library's Document, so every
 * value is encoded as what it is (a name with a colon, a `#` or a leading `*` stays a
 * string) and, with --merge, what a person wrote stays as written, comments included:
 * entries are only added.
 */
import { Document, isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { Imported } from './infer.js';

const HEADER = [
  ' yaml-language-server: $schema=./schema/accounts.schema.json',
  '',
  ' Written by `./run.sh --action import` from the live organization. Review it, then',
  ' commit: sync-accounts adds only the identifying tags orgvend puts on each account.',
  ' Layering: defaults → scopes.<scope> → accounts.<name>; `--action explain --account NAME`',
  ' shows where each value of an account comes from.',
].join('\n');

const skippedComment = (imported: Imported) => imported.skipped.map((s) => ` ${s.name} (${s.id}) <${s.email}>: ${s.why}`);

/** A map at `path`, made block-style (an empty `{}` written by hand would keep new entries on one line). */
function blockMap(doc: Document, path: string[]): YAMLMap {
  let node = doc.getIn(path, true);
  if (!isMap(node)) {
    doc.setIn(path, doc.createNode({}));
    node = doc.getIn(path, true);
  }
  const map = node as YAMLMap;
  map.flow = false;
  return map;
}

function addEntries(doc: Document, imported: Imported, merging: boolean): void {
  if (imported.roots.length) {
    const roots = doc.getIn(['organization', 'ou_roots'], true);
    if (isSeq(roots)) for (const root of imported.roots) roots.add(doc.createNode(root));
  }
  for (const [name, targets] of Object.entries(imported.attachments)) doc.setIn(['organization', 'scps', 'attachments', name], doc.createNode(targets, { flow: true }));
  if (imported.fullAwsAccess && !merging) doc.setIn(['organization', 'scps', 'full_aws_access'], doc.createNode(imported.fullAwsAccess, { flow: true }));
  const scopes = blockMap(doc, ['scopes']);
  for (const [name, scope] of imported.scopes) scopes.set(doc.createNode(name), doc.createNode(scope));
  const accounts = blockMap(doc, ['accounts']);
  for (const [name, account] of imported.accounts) accounts.set(doc.createNode(name), doc.createNode(account));
  const lines = skippedComment(imported).filter((line) => !accounts.comment?.includes(line));
  if (lines.length) {
    const heading = ' Not imported (sync-accounts lists them as unmanaged and leaves them alone):';
    accounts.comment = [accounts.comment, ...(accounts.comment?.includes(heading) ? [] : [heading]), ...lines].filter((l) => l !== undefined && l !== null).join('\n');
  }
}

/** A new accounts.yml: the organization section of `configText` (comments kept), then what was imported. */
export function newRepositoryText(configText: string, imported: Imported): string {
  const config = parseDocument(configText);
  const doc = new Document({});
  doc.commentBefore = HEADER;
  const organization = config.get('organization', true);
  doc.set('organization', organization);
  if (Object.keys(imported.defaults).length) doc.set('defaults', doc.createNode(imported.defaults));
  addEntries(doc, imported, false);
  return doc.toString({ lineWidth: 0 });
}

/** `existingText` with what was imported added; nothing in it is changed or removed. */
export function mergedRepositoryText(existingText: string, imported: Imported): string {
  const doc = parseDocument(existingText);
  addEntries(doc, imported, true);
  return doc.toString({ lineWidth: 0 });
}
