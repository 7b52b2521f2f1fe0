export { env, parseEnv, EnvError, resetEnvForTests, type Env } from './env.ts';
