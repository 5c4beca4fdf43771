export * from "./config";
export { joinConfigFile, joinNodeScript, kubeadmStep, nodeList } from "./step";
export type { KubeadmSteps } from "./step";
