import { DeliveryEnv } from '@mail/config';
import { DeliveryModule } from '@mail/delivery';
import { deliveryConfig, platformSecrets, runService } from '@mail/runtime';

void runService({
  name: 'delivery',
  env: DeliveryEnv,
  needs: { db: true, blob: true },
  module: async (config) => DeliveryModule.forRoot({ ...deliveryConfig(config), secrets: await platformSecrets(config, 'distributed') }),
});
