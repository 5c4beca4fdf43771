export * from "./config";
export { joinConfigFile, joinNodeScript, kubeadmStep } from "./step";
export type { KubeadmSteps } from "./step";
