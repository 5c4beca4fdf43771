export { ConfigError, loadSiteConfig, readStackConfig } from "./load";
export { profiles } from "./profiles";
export { allNodes } from "./types";
export type { ClusterConfig, NicSpec, NodeSpec, Role, SiteConfig } from "./types";
export { formatIssues, resolveSite } from "./validate";
export { checkOneRebuildPerUpdate, checkVersionChange } from "./rollout";
export type { Fingerprints } from "./rollout";
export type { ConfigIssue, StackConfigInput } from "./validate";
