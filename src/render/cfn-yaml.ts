/**
 * CloudFormation templates as CloudFormation reads them: YAML 1.1, where CR, CRLF, NEL,
 * U+2028 and U+2029 end a line as LF does (so they end a comment), and the short tags read
 * as the long forms. The yaml package reads YAML 1.2, where a comment runs on past a lone
 * CR: a resource hidden behind one would be deployed and never shown. Pure, no I/O.
 */
import { type DocumentOptions, type ParseOptions, type SchemaOptions, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseYamlDocument } from '../config/yaml-parse.js';

/** CloudFormation's short tags, read as the long forms they stand for: `!Sub x` is `{ "Fn::Sub": x }`. */
export const CLOUDFORMATION_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'GetAZs', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'Cidr', 'Condition'].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    ...(['seq', 'map'] as const).map((collection) => ({ tag: `!${name}`, collection, resolve: (value: YAMLMap | YAMLSeq) => ({ [key]: value.toJSON() }) })),
  ] as never[];
});

/** YAML 1.1's line breaks, as LF: the lines CloudFormation sees (a line's number stays what it is for it). */
export const cloudFormationLines = (text: string) => text.replace(/\r\n?|\u0085|\u2028|\u2029/g, '\n');

/** A template parsed as CloudFormation parses it; the document keeps its errors. */
export function parseCloudFormation(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = {}) {
  return parseYamlDocument(cloudFormationLines(text), { ...options, version: '1.1', customTags: CLOUDFORMATION_TAGS });
}

/** A CloudFormation template as data, as CloudFormation would read it. */
export function parseTemplate(text: string): { Resources?: Record<string, { Type?: string }> } {
  return (parseCloudFormation(text).toJS() ?? {}) as { Resources?: Record<string, { Type?: string }> };
}
