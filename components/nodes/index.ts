export { createPreparedNodes } from "./pool";
export type { NodePoolArgs, PreparedNode } from "./pool";
export { hostsEntries, prepareNode, prepareNodeEnv, prepareNodeScript } from "./prepare";
export type { DirectorAccess, NodeSite } from "./prepare";
