/**
 * IAM policy language: parsing (`parse.ts`), same-account evaluation (`evaluate.ts`) and the
 * cheap matching helpers reach analysis indexes policies with.
 */

export {
  documentMayAllow,
  documentMayDeny,
  principalResourceMatcher,
  statementMayMatchAction,
  statementMayMatchResource,
} from './compile.js';
export type { PolicyErrorCode } from './errors.js';
export { PolicyError, PolicyParseError } from './errors.js';
export type {
  Decision,
  PolicySet,
  PrincipalContext,
  RequestContext,
  ResourceContext,
  StatementRef,
  UnknownCondition,
} from './evaluate.js';
export { authorize, RCP_SERVICES } from './evaluate.js';
export { parseConditionOperator } from './operators.js';
export { POLICY_VERSIONS, parsePolicyDocument } from './parse.js';
export { actionMatches, arnMatches, patternMayMatch, resourceMatches } from './patterns.js';
export type * from './types.js';
