export { DeliveryModule } from './delivery.module.js';
export type { DeliveryConfig } from './delivery.config.js';
export { QueueService } from './queue.service.js';
export { queueMigrations } from './migrations/queue-migrations.js';
