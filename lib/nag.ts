import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The logical id of a construct's CloudFormation resource, as cdk-nag prints it inside finding
 * ids (`Resource::<LogicalId>`). Acknowledgements built from it follow construct renames.
 */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}
