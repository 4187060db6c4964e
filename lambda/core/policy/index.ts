/**
 * IAM policy language: parsing (`parse.ts`), same-account evaluation (`evaluate.ts`) and the
 * cheap matching helpers reach analysis indexes policies with.
 */
export { authorize, RCP_SERVICES } from './evaluate.js';
export type {
  Decision,
  PolicySet,
  PrincipalContext,
  RequestContext,
  ResourceContext,
  StatementRef,
  UnknownCondition,
} from './evaluate.js';
export { parsePolicyDocument, POLICY_VERSIONS } from './parse.js';
export { PolicyError, PolicyParseError } from './errors.js';
export type { PolicyErrorCode } from './errors.js';
export {
  documentMayAllow,
  documentMayDeny,
  statementMayMatchAction,
  statementMayMatchResource,
} from './compile.js';
export { actionMatches, arnMatches, patternMayMatch, resourceMatches } from './patterns.js';
export { parseConditionOperator } from './operators.js';
export type * from './types.js';
