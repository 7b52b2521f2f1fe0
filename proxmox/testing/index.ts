// For tests only: the Proxmox VE contract server (checks requests against the official schema).
export {
  startProxmoxContractServer,
  type ProxmoxContractServer,
  type ProxmoxContractServerOptions,
  type ContractNodeInput,
  type ContractContainerInput,
  type ContractContainer,
  type ContractTask,
  type ContractRequestRecord,
} from './contract-server.ts';
export { loadPveSchema, defaultSchemaPath, findRoute, validateParameters, checkReturn } from './pve-schema.ts';
