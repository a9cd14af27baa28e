import { DeliveryEnv } from '@mail/config';
import { DeliveryModule } from '@mail/delivery';
import { deliveryConfig, platformSecrets, runService, srsSettings } from '@mail/runtime';

void runService({
  name: 'delivery',
  env: DeliveryEnv,
  needs: { db: true, blob: true },
  module: async (config) => {
    const secrets = await platformSecrets(config, 'distributed');
    return DeliveryModule.forRoot({ ...deliveryConfig(config), secrets, srs: srsSettings(config, secrets) });
  },
});
