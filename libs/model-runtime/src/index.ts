export * from './safetensors';
export * from './manifest';
export * from './micro-batcher';
