import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Bus } from './bus.port.js';
import { LeaseStore } from './lease-store.port.js';

/**
 * Provides the Bus and LeaseStore to every module. The app (or the embedded composer) connects
 * them first and passes the instances in, so the same feature modules run in either mode.
 */
@Global()
@Module({})
export class BusModule {
  static forRoot(instances: { bus: Bus; leases: LeaseStore }): DynamicModule {
    return {
      module: BusModule,
      providers: [
        { provide: Bus, useValue: instances.bus },
        { provide: LeaseStore, useValue: instances.leases },
      ],
      exports: [Bus, LeaseStore],
    };
  }
}
