export * from './safetensors';
export * from './manifest';
export * from './micro-batcher';
export * from './model-runtime';
export * from './inference-thread';
export * from './model-catalog';
export * from './model-family';
