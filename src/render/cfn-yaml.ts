/** CloudFormation templates as YAML data: the short tags read as the long forms. Pure, no I/O. */
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';

/** CloudFormation's short tags, read as the long forms they stand for: `!Sub x` is `{ "Fn::Sub": x }`. */
export const CLOUDFORMATION_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'GetAZs', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'Cidr', 'Condition'].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    ...(['seq', 'map'] as const).map((collection) => ({ tag: `!${name}`, collection, resolve: (value: YAMLMap | YAMLSeq) => ({ [key]: value.toJSON() }) })),
  ] as never[];
});

/** A rendered CloudFormation template as data (it has parsed before: parseProblems found nothing). */
export function parseTemplate(text: string): { Resources?: Record<string, { Type?: string }> } {
  return (parseDocument(text, { customTags: CLOUDFORMATION_TAGS }).toJS() ?? {}) as { Resources?: Record<string, { Type?: string }> };
}
