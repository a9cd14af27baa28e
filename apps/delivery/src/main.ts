import { DeliveryEnv } from '@mail/config';
import { DeliveryModule } from '@mail/delivery';
import { deliveryConfig, runService } from '@mail/runtime';

void runService({
  name: 'delivery',
  env: DeliveryEnv,
  needs: { db: true, blob: true },
  module: (config) => DeliveryModule.forRoot(deliveryConfig(config)),
});
